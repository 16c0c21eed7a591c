import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSeverity, validate } from 'dockerfile-utils';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT, runCli, writeConfig } from './helpers/bridge-process.js';

/**
 * No Docker engine or cluster runs here, so the deployable files are checked statically: the
 * Dockerfile by a Dockerfile linter and the rules below, the Kubernetes manifests against the
 * Kubernetes API schemas, and every bridge config they carry by `polybus validate`.
 */

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
/** Instructions as [keyword, rest], continuation lines joined, comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    return [keyword.toUpperCase(), rest.join(' ')] as const;
  });
const finalStage = instructions.slice(instructions.findLastIndex(([k]) => k === 'FROM'));

describe('Dockerfile', () => {
  it('has no linter errors or warnings', () => {
    const problems = validate(dockerfile).filter(
      (d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning,
    );
    expect(problems.map((p) => `${p.range.start.line + 1}: ${p.message}`)).toEqual([]);
  });

  it('is multi-stage, and the final stage runs as a non-root user with a health check on /health/live', () => {
    expect(instructions.filter(([k]) => k === 'FROM').length).toBeGreaterThanOrEqual(2);
    const users = finalStage.filter(([k]) => k === 'USER').map(([, v]) => v);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const health = finalStage.find(([k]) => k === 'HEALTHCHECK')?.[1] ?? '';
    expect(health).toContain('/health/live');
    expect(finalStage.some(([k, v]) => k === 'COPY' && v.includes('--from=build'))).toBe(true);
  });

  it('copies only paths that exist, and starts the CLI the build produces', () => {
    for (const [, rest] of instructions.filter(([k, v]) => k === 'COPY' && !v.includes('--from'))) {
      const parts = rest.split(/\s+/).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) expect(existsSync(join(ROOT, source)), source).toBe(true);
    }
    const entry = JSON.parse(finalStage.find(([k]) => k === 'ENTRYPOINT')?.[1] ?? '[]') as string[];
    const script = entry.find((p) => p.endsWith('.js')) ?? '';
    expect(existsSync(join(ROOT, script.replace(/^\/app\//, ''))), script).toBe(true);
  });

  it('bakes in no credentials', () => {
    const env = instructions.filter(([k]) => k === 'ENV' || k === 'ARG').map(([, v]) => v);
    expect(env.join(' ')).not.toMatch(/pass|secret|token|key=/i);
  });
});

const manifestDir = join(ROOT, 'deploy', 'kubernetes');
const manifests = readdirSync(manifestDir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(manifestDir, file), 'utf8')).map((doc) => ({
      file,
      object: doc.toJSON() as { kind: string; metadata: { name: string } } & Record<string, unknown>,
    })),
  );
const byKind = (kind: string) => manifests.filter((m) => m.object.kind === kind).map((m) => m.object);

describe('Kubernetes manifests', () => {
  const models: Record<string, new (data: never) => { validate(): void }> = {
    Deployment,
    Service,
    ConfigMap,
    Secret,
  };

  it.each(manifests.map((m) => [`${m.file}: ${m.object.kind}/${m.object.metadata.name}`, m.object] as const))(
    '%s is valid against the Kubernetes API schema',
    (_name, object) => {
      const Model = models[object.kind];
      expect(Model, `no schema check for kind ${object.kind}`).toBeDefined();
      expect(() => new (Model as NonNullable<typeof Model>)(object as never).validate()).not.toThrow();
    },
  );

  const deployment = byKind('Deployment')[0] as unknown as Deployment;
  const pod = deployment.spec?.template.spec;
  const container = pod?.containers[0];

  it('probes /health/live and /health/ready, runs as non-root, takes credentials from a Secret', () => {
    expect(container?.livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(container?.readinessProbe?.httpGet?.path).toBe('/health/ready');
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    const secretName = container?.envFrom?.[0]?.secretRef?.name;
    expect(byKind('Secret').map((s) => s.metadata.name)).toContain(secretName);
  });

  it('gives SIGTERM more time than the bridge needs to drain (grace period above shutdownTimeout)', () => {
    const configMap = byKind('ConfigMap')[0] as unknown as ConfigMap;
    const config = parse(configMap.data?.['polybus.yaml'] ?? '') as { shutdownTimeout: string };
    const seconds = Number(/^(\d+)s$/.exec(config.shutdownTimeout)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(pod?.terminationGracePeriodSeconds).toBeGreaterThan(seconds);
  });
});

describe('configs shipped with the deployment', () => {
  const configMap = byKind('ConfigMap')[0] as unknown as ConfigMap;
  it.each([
    ['deploy/kubernetes/configmap.yaml', configMap.data?.['polybus.yaml'] ?? ''],
    ['deploy/polybus.compose.yaml', readFileSync(join(ROOT, 'deploy', 'polybus.compose.yaml'), 'utf8')],
  ])('%s passes polybus validate', async (_name, text) => {
    const result = await runCli(['validate', '-c', writeConfig(text)], {
      env: { RABBIT_USER: 'user', RABBIT_PASS: 'pass' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('the compose file mounts the config the bridge reads and gives it a stop grace period', () => {
    const compose = parse(readFileSync(join(ROOT, 'deploy', 'compose.yaml'), 'utf8')) as {
      services: Record<string, { volumes?: string[]; stop_grace_period?: string }>;
    };
    const bridge = compose.services.polybus;
    expect(bridge?.volumes?.some((v) => v.endsWith(':/etc/polybus/polybus.yaml:ro'))).toBe(true);
    expect(bridge?.stop_grace_period).toBe('45s');
  });
});
