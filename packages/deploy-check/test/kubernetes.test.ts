import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateAgainstKubernetesSchema } from '../src/kube-schema.js';
import { hasKubectl, type KubeObject, objectId, renderKustomization, renderResourcesOnly, renderWithKubectl } from '../src/kustomize.js';
import { parseQuantity } from '../src/quantity.js';
import { dockerApps, documentedVariables, readYaml, repoPath } from '../src/repo.js';

const BASE = repoPath('deploy/kubernetes');
const EXAMPLE_OVERLAY = repoPath('deploy/overlays/example');
const KUBECTL = hasKubectl();
if (!KUBECTL) console.info('kubectl not found: deploy/kubernetes is rendered from its resource files; the kubectl-only checks (the example overlay) are skipped');

const ofKind = <T>(objects: readonly KubeObject[], kind: string): T[] => objects.filter((o) => o.kind === kind) as unknown as T[];
const containersOf = (deployment: IDeployment): IContainer[] => [
  ...(deployment.spec?.template.spec?.containers ?? []),
  ...(deployment.spec?.template.spec?.initContainers ?? []),
];
/** True when every label of `selector` is on `labels`. */
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean =>
  selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
/** A value that carries a password: a URL with user:password@, or anything under a key that names a secret. */
const looksSecret = (key: string, value: string): boolean => /PASSWORD|SECRET|TOKEN|CREDENTIAL/i.test(key) || /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value);
/** Variables that carry credentials: they belong in the Secret, never in a ConfigMap. */
const SECRET_VARIABLES = ['DATABASE_URL', 'DB_PASSWORD', 'REDIS_URL', 'REDIS_PASSWORD'];

describe('deploy/kubernetes', () => {
  let objects: KubeObject[];
  let deployments: IDeployment[];
  beforeAll(() => {
    const rendered = renderKustomization(BASE, KUBECTL);
    objects = rendered.objects;
    deployments = ofKind<IDeployment>(objects, 'Deployment');
  });

  it('renders, and every object satisfies the Kubernetes API schema', async () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(await validateAgainstKubernetesSchema(objects)).toEqual([]);
    const ids = objects.map(objectId);
    expect(new Set(ids).size, 'no two objects share a kind and name').toBe(ids.length);
  });

  it.skipIf(!KUBECTL)('renders the same with kubectl as from its resource files, so machines without kubectl check the same objects', () => {
    const byId = (list: KubeObject[]): Map<string, KubeObject> => new Map(list.map((o) => [objectId(o), o]));
    expect(byId(renderResourcesOnly(BASE))).toEqual(byId(renderWithKubectl(BASE)));
  });

  it('runs every app that docker/ builds as a Deployment of several replicas, on the image that docker/compose.yml builds from its Dockerfile', () => {
    const compose = readYaml('docker/compose.yml') as { services: Record<string, { image?: string; build?: { dockerfile?: string } }> };
    const apps = dockerApps();
    expect(deployments.map((d) => d.metadata?.name).sort()).toEqual(apps.map((a) => a.name));
    for (const app of apps) {
      const service = Object.values(compose.services).find((s) => s.build?.dockerfile === `docker/${app.name}.Dockerfile`);
      const deployment = deployments.find((d) => d.metadata?.name === app.name) as IDeployment;
      expect(deployment.spec?.replicas, app.name).toBeGreaterThanOrEqual(2);
      const [container] = deployment.spec?.template.spec?.containers ?? [];
      expect(container?.image?.replace(/:[^:/]+$/, ''), app.name).toBe(service?.image?.replace(/:[^:/]+$/, ''));
    }
  });

  it('listens on 0.0.0.0 at the port the image exposes, with liveness on /healthz and readiness on /readyz', () => {
    for (const app of dockerApps()) {
      const deployment = deployments.find((d) => d.metadata?.name === app.name) as IDeployment;
      const [container] = deployment.spec?.template.spec?.containers ?? [];
      const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
      expect(env, app.name).toMatchObject({ HTTP_HOST: '0.0.0.0', HTTP_PORT: String(app.port) });
      const port = container?.ports?.find((p) => p.containerPort === app.port);
      expect(port?.name, `${app.name} names its HTTP port`).toBeTruthy();
      const probePort = (probe: IContainer['livenessProbe']): unknown => (probe?.httpGet?.port === port?.name ? app.port : probe?.httpGet?.port);
      expect(container?.livenessProbe?.httpGet?.path, app.name).toBe('/healthz');
      expect(probePort(container?.livenessProbe), app.name).toBe(app.port);
      expect(container?.readinessProbe?.httpGet?.path, app.name).toBe('/readyz');
      expect(probePort(container?.readinessProbe), app.name).toBe(app.port);
      if (container?.startupProbe) expect(container.startupProbe.httpGet?.path, app.name).toBe('/healthz');
    }
  });

  it('gives every container CPU and memory requests and limits, requests within limits', () => {
    for (const deployment of deployments) {
      for (const container of containersOf(deployment)) {
        const { requests, limits } = container.resources ?? {};
        for (const resource of ['cpu', 'memory']) {
          const where = `${deployment.metadata?.name}/${container.name} ${resource}`;
          expect(requests?.[resource], `${where} request`).toBeDefined();
          expect(limits?.[resource], `${where} limit`).toBeDefined();
          expect(parseQuantity(requests?.[resource] as string), where).toBeLessThanOrEqual(parseQuantity(limits?.[resource] as string));
        }
      }
    }
  });

  it('has a PodDisruptionBudget per app that selects its pods and lets one go at a time', () => {
    const budgets = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
    for (const deployment of deployments) {
      const podLabels = deployment.spec?.template.metadata?.labels;
      const matching = budgets.filter((b) => selects(b.spec?.selector?.matchLabels, podLabels));
      expect(matching, `one PodDisruptionBudget for ${deployment.metadata?.name}`).toHaveLength(1);
      const spec = matching[0]?.spec;
      const replicas = deployment.spec?.replicas ?? 1;
      const allowed = spec?.maxUnavailable !== undefined ? Number(spec.maxUnavailable) : replicas - Number(spec?.minAvailable);
      expect(allowed, `${deployment.metadata?.name}: disruptions allowed with all replicas up`).toBeGreaterThanOrEqual(1);
      expect(allowed).toBeLessThan(replicas);
    }
  });

  it('runs as non-root with a read-only root filesystem, no capabilities, no privilege escalation and the RuntimeDefault seccomp profile', () => {
    for (const deployment of deployments) {
      const pod = deployment.spec?.template.spec;
      expect(pod?.securityContext?.runAsNonRoot, deployment.metadata?.name).toBe(true);
      // A numeric user: the image's USER is a name, which the kubelet cannot check against runAsNonRoot.
      expect(pod?.securityContext?.runAsUser, deployment.metadata?.name).toBeGreaterThan(0);
      for (const container of containersOf(deployment)) {
        const where = `${deployment.metadata?.name}/${container.name}`;
        const security = container.securityContext;
        expect(security?.runAsNonRoot ?? pod?.securityContext?.runAsNonRoot, where).toBe(true);
        expect(security?.readOnlyRootFilesystem, where).toBe(true);
        expect(security?.allowPrivilegeEscalation, where).toBe(false);
        expect(security?.capabilities?.drop, where).toContain('ALL');
        expect(security?.capabilities?.add ?? [], where).toEqual([]);
        expect((security?.seccompProfile ?? pod?.securityContext?.seccompProfile)?.type, where).toBe('RuntimeDefault');
      }
      expect(pod?.automountServiceAccountToken, deployment.metadata?.name).toBe(false);
      // Service links would set REDIS_PORT=tcp://… for a Service named redis, which the apps refuse as a port.
      expect(pod?.enableServiceLinks, deployment.metadata?.name).toBe(false);
    }
  });

  it('configures every app from ConfigMaps and a Secret that exist, with no password in a ConfigMap', () => {
    const configMaps = new Map(ofKind<IConfigMap>(objects, 'ConfigMap').map((c) => [c.metadata?.name, c]));
    const secrets = new Map(ofKind<ISecret>(objects, 'Secret').map((s) => [s.metadata?.name, s]));
    for (const configMap of configMaps.values()) {
      for (const [key, value] of Object.entries(configMap.data ?? {})) {
        expect(looksSecret(key, value), `ConfigMap/${configMap.metadata?.name} ${key} holds a secret`).toBe(false);
        expect(SECRET_VARIABLES, `ConfigMap/${configMap.metadata?.name} ${key} belongs in the Secret`).not.toContain(key);
      }
    }
    for (const deployment of deployments) {
      for (const container of containersOf(deployment)) {
        const where = `${deployment.metadata?.name}/${container.name}`;
        const sources = container.envFrom ?? [];
        const configMapNames = sources.flatMap((s) => (s.configMapRef ? [s.configMapRef.name] : []));
        const secretNames = sources.flatMap((s) => (s.secretRef ? [s.secretRef.name] : []));
        expect(configMapNames.length, `${where} reads a ConfigMap`).toBeGreaterThan(0);
        expect(secretNames.length, `${where} reads a Secret`).toBeGreaterThan(0);
        for (const name of configMapNames) expect(configMaps.has(name), `${where}: ConfigMap/${name} exists`).toBe(true);
        for (const name of secretNames) expect(secrets.has(name), `${where}: Secret/${name} exists`).toBe(true);
        const secretKeys = secretNames.flatMap((name) => Object.keys({ ...secrets.get(name)?.data, ...secrets.get(name)?.stringData }));
        expect(secretKeys.some((k) => k === 'DATABASE_URL' || k === 'DB_PASSWORD'), `${where}: the database credentials come from the Secret`).toBe(true);
        for (const variable of container.env ?? []) {
          expect(looksSecret(variable.name, variable.value ?? ''), `${where} env ${variable.name} is a literal secret`).toBe(false);
        }
      }
    }
  });

  it('sets only variables the app documents in its README (a misspelt key would be silently ignored)', () => {
    const configMaps = new Map(ofKind<IConfigMap>(objects, 'ConfigMap').map((c) => [c.metadata?.name, c]));
    const secrets = new Map(ofKind<ISecret>(objects, 'Secret').map((s) => [s.metadata?.name, s]));
    for (const deployment of deployments) {
      const app = deployment.metadata?.name as string;
      const documented = documentedVariables(app);
      for (const container of containersOf(deployment)) {
        const keys = [
          ...(container.env ?? []).map((e) => e.name),
          ...(container.envFrom ?? []).flatMap((s) => Object.keys(configMaps.get(s.configMapRef?.name)?.data ?? {})),
          ...(container.envFrom ?? []).flatMap((s) => {
            const secret = secrets.get(s.secretRef?.name);
            return Object.keys({ ...secret?.data, ...secret?.stringData });
          }),
        ];
        expect(keys.filter((key) => !documented.has(key)), `${app}: variables missing from apps/${app}/README.md`).toEqual([]);
      }
    }
  });

  it('has a Service per app on its HTTP port, annotated for Prometheus', () => {
    const services = ofKind<IService>(objects, 'Service');
    for (const app of dockerApps()) {
      const deployment = deployments.find((d) => d.metadata?.name === app.name) as IDeployment;
      const podLabels = deployment.spec?.template.metadata?.labels;
      const service = services.find((s) => selects(s.spec?.selector, podLabels));
      expect(service, `a Service selecting ${app.name}'s pods`).toBeDefined();
      const portName = deployment.spec?.template.spec?.containers[0]?.ports?.find((p) => p.containerPort === app.port)?.name;
      expect(service?.spec?.ports?.some((p) => p.targetPort === portName || p.targetPort === app.port), `${app.name}: Service targets the HTTP port`).toBe(true);
      expect(service?.metadata?.annotations, app.name).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(app.port),
        'prometheus.io/path': '/metrics',
      });
    }
  });

  it.skipIf(!KUBECTL)('renders the example overlay: its namespace, images, replicas, merged configuration and replaced Secret', async () => {
    // The overlay reads secrets.env, which stays out of git: render a copy with the example's placeholders.
    const work = mkdtempSync(join(tmpdir(), 'deploy-check-'));
    try {
      cpSync(BASE, join(work, 'kubernetes'), { recursive: true });
      cpSync(EXAMPLE_OVERLAY, join(work, 'overlays/example'), { recursive: true });
      cpSync(join(EXAMPLE_OVERLAY, 'secrets.env.example'), join(work, 'overlays/example/secrets.env'));
      const overlay = renderWithKubectl(join(work, 'overlays/example'));
      expect(await validateAgainstKubernetesSchema(overlay)).toEqual([]);
      const namespaced = overlay.filter((o) => o.kind !== 'Namespace');
      expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set(['crypto-collector']));
      const overlayDeployments = ofKind<IDeployment>(overlay, 'Deployment');
      for (const deployment of overlayDeployments) expect(deployment.spec?.template.spec?.containers[0]?.image).toMatch(/^registry\.example\.com\//);
      expect(overlayDeployments.find((d) => d.metadata?.name === 'orderbook-collector')?.spec?.replicas).toBe(4);
      const common = ofKind<IConfigMap>(overlay, 'ConfigMap').find((c) => c.metadata?.name === 'collector-config');
      expect(common?.data?.SYMBOLS).toContain('ADAUSDT');
      expect(common?.data?.BINANCE_BASE_URL, 'merge keeps the base keys').toBe('https://api.binance.com');
      const secret = ofKind<ISecret>(overlay, 'Secret').find((s) => s.metadata?.name === 'collector-secrets');
      const decoded = Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      expect(Object.keys(decoded).sort()).toEqual(['DATABASE_URL', 'REDIS_URL']);
      expect(secret?.stringData, 'the base placeholders are gone').toBeUndefined();
      expect(decoded.DATABASE_URL).toMatch(/sslmode=require$/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
