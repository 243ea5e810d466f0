import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

/** The repository root (this package sits at packages/deploy-check). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** An absolute path inside the repository. */
export const repoPath = (relative: string): string => `${REPO_ROOT}${relative}`;

/** One YAML file as plain data; `<<` merge keys are resolved, as Compose does. */
export function readYaml(relative: string): unknown {
  return parse(readFileSync(repoPath(relative), 'utf8'), { merge: true });
}

/** Every document of a multi-document YAML text, as plain data; a syntax error names the source. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = document.toJS();
    return value === null ? [] : [value];
  });
}

/**
 * The apps that ship as images: one per `docker/<app>.Dockerfile`, with the port its image exposes.
 * Everything else (Kubernetes, Compose, Prometheus) is checked against this list, so a new app with a Dockerfile
 * fails the checks until it is deployed everywhere.
 */
export function dockerApps(): { name: string; port: number }[] {
  return readdirSync(repoPath('docker'))
    .filter((file) => file.endsWith('.Dockerfile'))
    .map((file) => {
      const name = file.replace(/\.Dockerfile$/, '');
      const expose = /^EXPOSE\s+(\d+)/m.exec(readFileSync(repoPath(`docker/${file}`), 'utf8'));
      if (!expose?.[1]) throw new Error(`docker/${file} has no EXPOSE line`);
      return { name, port: Number(expose[1]) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The variables an app documents in the "Configuration" table of `apps/<app>/README.md`: every upper-case name in
 * backticks in the table's first column. The apps' READMEs are the one list of what they read.
 */
export function documentedVariables(app: string): Set<string> {
  const readme = readFileSync(repoPath(`apps/${app}/README.md`), 'utf8');
  const section = /^## Configuration\s*$([\s\S]*?)(?=^## )/m.exec(readme)?.[1];
  if (section === undefined) throw new Error(`apps/${app}/README.md has no "## Configuration" section`);
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const firstCell = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(match[1] as string);
  }
  return names;
}
