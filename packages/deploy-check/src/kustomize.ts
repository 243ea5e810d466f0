import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseYamlDocuments } from './repo.js';

/** A Kubernetes object as rendered: the fields every object has, the rest untyped. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** True when `kubectl` runs here (its client alone: nothing talks to a cluster). */
export function hasKubectl(): boolean {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  return probe.status === 0;
}

/** `kubectl kustomize <dir>`: the real renderer, with every kustomize feature. */
export function renderWithKubectl(dir: string): KubeObject[] {
  const run = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${run.stderr.trim()}`);
  return parseYamlDocuments(run.stdout, `kubectl kustomize ${dir}`) as KubeObject[];
}

/** The kustomization fields {@link renderResourcesOnly} renders exactly as kustomize does. */
const RESOURCES_ONLY_FIELDS = new Set(['apiVersion', 'kind', 'resources']);

/**
 * Renders a kustomization that only lists resource files, the form the base keeps so it can be checked without
 * kubectl: the listed files' documents, in order. Any other kustomize feature is refused with its name, so this
 * never silently renders something different from kubectl.
 */
export function renderResourcesOnly(dir: string): KubeObject[] {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
  const extra = Object.keys(kustomization).filter((field) => !RESOURCES_ONLY_FIELDS.has(field));
  if (extra.length > 0) throw new Error(`${dir}/kustomization.yaml uses ${extra.join(', ')}: only kubectl kustomize renders that`);
  const resources = kustomization.resources;
  if (!Array.isArray(resources)) throw new Error(`${dir}/kustomization.yaml lists no resources`);
  return resources.flatMap((file: unknown) => {
    if (typeof file !== 'string' || !/\.ya?ml$/.test(file)) throw new Error(`${dir}/kustomization.yaml: resource ${String(file)} is not a YAML file`);
    return parseYamlDocuments(readFileSync(join(dir, file), 'utf8'), join(dir, file)) as KubeObject[];
  });
}

/** `Kind/name`, how kubectl names an object. */
export const objectId = (object: KubeObject): string => `${object.kind}/${object.metadata.name}`;

/** A rendered kustomization and which renderer produced it. */
export interface Rendered {
  objects: KubeObject[];
  renderer: 'kubectl kustomize' | 'resources-only';
}

/** Renders `dir` with kubectl when it is installed, else with {@link renderResourcesOnly}. */
export function renderKustomization(dir: string, kubectl = hasKubectl()): Rendered {
  return kubectl ? { objects: renderWithKubectl(dir), renderer: 'kubectl kustomize' } : { objects: renderResourcesOnly(dir), renderer: 'resources-only' };
}
