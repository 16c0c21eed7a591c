import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** Cores, CPU model, memory, Node version and kernel of this machine. */
export function machineFacts() {
  const list = cpus();
  let nproc;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {}
  return {
    cores: nproc ?? list.length,
    cpuModel: list[0]?.model?.trim(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${release()}`,
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
