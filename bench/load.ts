/**
 * How busy the machine was with work other than ours while a case ran, in cores: the CPU time
 * of all processes (/proc/stat, hypervisor steal included) minus that of this process, the
 * reference worker and the processes this one started and that have exited (a case run in a fresh
 * process, bench/once.ts). On a shared machine it says which rows to trust.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks of all CPUs that were not idle; null where /proc is missing. */
function machineBusyTicks(): number | null {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    return user + nice + system + irq + softirq + (steal ?? 0);
  } catch {
    return null;
  }
}

/**
 * utime + stime of a process (all its threads), in clock ticks; 0 when it is gone. For this process
 * also cutime + cstime: the children it has reaped (Node reaps every child as it exits), so a case
 * run in a fresh process counts as ours. A live child is counted by its pid instead, while it runs.
 */
function processTicks(pid: number | 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return pid === 'self' ? own + Number(fields[13]) + Number(fields[14]) : own;
  } catch {
    return 0;
  }
}

export interface LoadMeter {
  /** Average cores used by other processes since the meter started; null without /proc. */
  stop(): number | null;
}

/**
 * Starts measuring; `ours` are the long-lived pids doing the benchmark besides this process (a
 * listed pid must outlive the meter, or its time before the start would count twice).
 */
export function startLoadMeter(ours: readonly number[]): LoadMeter {
  const pids: (number | 'self')[] = ['self', ...ours];
  const ownTicks = (): number => pids.reduce<number>((sum, pid) => sum + processTicks(pid), 0);
  const busy0 = machineBusyTicks();
  const own0 = ownTicks();
  const t0 = process.hrtime.bigint();
  return {
    stop() {
      const busy1 = machineBusyTicks();
      if (busy0 === null || busy1 === null) return null;
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const ticksPerSecond = 100; // USER_HZ, which /proc reports in on Linux
      return Math.max(0, busy1 - busy0 - (ownTicks() - own0)) / ticksPerSecond / seconds;
    },
  };
}
