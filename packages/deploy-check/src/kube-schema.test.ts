import { describe, expect, it } from 'vitest';
import { validateAgainstKubernetesSchema } from './kube-schema.js';
import type { KubeObject } from './kustomize.js';

const deployment = (port: unknown): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'x' },
  spec: {
    selector: { matchLabels: { app: 'x' } },
    template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x', ports: [{ containerPort: port }] }] } },
  },
});

describe('validateAgainstKubernetesSchema', () => {
  it('accepts a valid object and names the field of an invalid one', async () => {
    expect(await validateAgainstKubernetesSchema([deployment(8080)])).toEqual([]);
    const [failure] = await validateAgainstKubernetesSchema([deployment('eighty')]);
    expect(failure?.object).toBe('apps/v1 Deployment/x');
    expect(failure?.problems).toContain('/spec/template/spec/containers/0/ports/0/containerPort must be integer');
  });

  it('reports a missing required field', async () => {
    const object = deployment(8080);
    delete (object.spec as Record<string, unknown>).selector;
    const [failure] = await validateAgainstKubernetesSchema([object]);
    expect(failure?.problems.join('\n')).toMatch(/selector/);
  });

  it('refuses a kind it has no schema for, rather than passing it', async () => {
    const [failure] = await validateAgainstKubernetesSchema([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(failure?.problems).toEqual(['no Kubernetes schema for this apiVersion and kind']);
  });
});
