/** The four networks of a CycleGAN under the reference's names, the prefixes of every saved tensor. */
export const modelNames = ['netG_A', 'netG_B', 'netD_A', 'netD_B'] as const;
export type ModelName = (typeof modelNames)[number];
