/**
 * libgomp's wait policy for a training run, chosen from its step size before libtorch loads. After a
 * parallel region, libgomp's threads spin for a while by default before they sleep: that pays when the
 * next region comes soon and the cores are free, and costs when regions are short and something else
 * wants the core (JavaScript, libuv, the other threads' own spinning). libgomp reads OMP_WAIT_POLICY once,
 * when it loads, so the choice has to be made here, from the parameters, before the first tensor.
 * Measured (idle 2-core Xeon, 2 threads, float32; README "Performance"): at 32 px, ngf 32, 6 blocks a step
 * took 0.77-1.06 s spinning against 0.25 s with PASSIVE; at 128 px, ngf 64, 9 blocks 2.36-2.89 s against
 * 3.25-3.86 s. Set by the user (OMP_WAIT_POLICY or GOMP_SPINCOUNT), it is left alone.
 */
import { addonLoaded } from '../engine/index.js';

/**
 * Steps this small (image pixels x ngf², the scale of a step's work) or smaller run with PASSIVE:
 * 64 px at ngf 32, and everything below it; see the measurements above and in the README.
 */
export const PASSIVE_UP_TO = 64 * 64 * 32 * 32;

export interface WaitPolicyChoice {
  policy: 'PASSIVE';
  /** Said as an info line when the run starts. */
  why: string;
}

/** PASSIVE for small steps on more than one thread, unless the user chose a policy; null: libgomp's default. */
export function waitPolicyFor(p: { image_height: number; image_width: number; ngf: number; threads: number }, env: NodeJS.ProcessEnv): WaitPolicyChoice | null {
  if (env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined) return null;
  if (p.threads < 2) return null;
  if (p.image_height * p.image_width * p.ngf * p.ngf > PASSIVE_UP_TO) return null;
  return { policy: 'PASSIVE', why: `OpenMP threads sleep between parallel regions (OMP_WAIT_POLICY=PASSIVE): ${p.image_width}x${p.image_height} px steps at ngf ${p.ngf} are short, and spinning threads slowed them up to 3x; set OMP_WAIT_POLICY to choose` };
}

/**
 * Puts the choice into this process's environment (data-parallel workers inherit it) and returns it; null
 * when there is none, or when libtorch is already loaded and would not read it (test/cli/wait_policy.test.ts
 * checks through libgomp's own report that the CLI sets it in time).
 */
export function applyWaitPolicy(choice: WaitPolicyChoice | null, env: NodeJS.ProcessEnv = process.env): WaitPolicyChoice | null {
  if (!choice || addonLoaded()) return null;
  env.OMP_WAIT_POLICY = choice.policy;
  return choice;
}
