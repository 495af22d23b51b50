/**
 * libtorch's OpenMP threads wait for work by spinning unless told otherwise. On a machine shared with
 * anything else (another run, a data-parallel rank, the dashboard's browser) the spinners take the
 * cores the working threads need: on 2 cores with other load, a 32 px training step on 2 threads took
 * 27 s instead of 4.4 s, and tiled translation used twice the CPU (README, Performance). Waiting
 * passively costs a wake-up per parallel region instead. libgomp reads the policy once, when it is
 * loaded, so it is set before the addon loads, and only where the user has not chosen one.
 */
export function defaultOpenMpWaitPolicy(env: NodeJS.ProcessEnv = process.env): void {
  if (env.OMP_WAIT_POLICY === undefined || env.OMP_WAIT_POLICY === '') env.OMP_WAIT_POLICY = 'PASSIVE';
}
