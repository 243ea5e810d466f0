import type { KubeObject } from './kustomize.js';

/** What kubernetes-models' generated classes look like from here. */
interface ModelClass {
  new (data: unknown): { validate(): void };
}

/** One object that does not satisfy the Kubernetes API schema, with every reason. */
export interface SchemaProblem {
  object: string;
  problems: string[];
}

/**
 * The kubernetes-models class of `apiVersion` + `kind`: `apps/v1` `Deployment` is `kubernetes-models/apps/v1/Deployment`,
 * core `v1` `Service` is `kubernetes-models/v1/Service`. Undefined for a kind the package has no schema for.
 */
async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  try {
    const specifier = `kubernetes-models/${apiVersion}/${kind}`;
    const module = (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
    return module[kind] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

/**
 * The object as the API server decodes it: kustomize wraps a Secret's base64 `data` at 70 columns, and the server's
 * base64 decoding skips line breaks, where the schema's `byte` format does not.
 */
function asDecoded(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || typeof object.data !== 'object' || object.data === null) return object;
  const data = Object.fromEntries(Object.entries(object.data).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/[\r\n]/g, '') : value]));
  return { ...object, data };
}

/**
 * Validates each object against the JSON schema kubernetes-models generated from the Kubernetes OpenAPI
 * definitions (types, required fields, enums and formats). Returns the objects that fail, each with its reasons;
 * an object of a kind with no schema fails too.
 */
export async function validateAgainstKubernetesSchema(objects: readonly KubeObject[]): Promise<SchemaProblem[]> {
  const failures: SchemaProblem[] = [];
  for (const object of objects) {
    const id = `${object.apiVersion} ${object.kind}/${object.metadata?.name ?? '?'}`;
    const Model = await modelClass(String(object.apiVersion), String(object.kind));
    if (Model === undefined) {
      failures.push({ object: id, problems: ['no Kubernetes schema for this apiVersion and kind'] });
      continue;
    }
    try {
      new Model(asDecoded(object)).validate();
    } catch (error) {
      const details = (error as { errors?: { instancePath?: string; message?: string }[] }).errors;
      failures.push({ object: id, problems: details?.map((d) => `${d.instancePath || '/'} ${d.message ?? ''}`.trim()) ?? [String(error)] });
    }
  }
  return failures;
}
