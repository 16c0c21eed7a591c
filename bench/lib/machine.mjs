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

/** The commit the packages under test were built from, and how many of their files differ from it. */
export function gitFacts(repoDir) {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoDir,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], {
      cwd: repoDir,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean).length;
    return { commit, uncommittedPackageFiles: dirty };
  } catch {
    return undefined;
  }
}
