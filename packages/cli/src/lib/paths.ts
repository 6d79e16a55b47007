import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root this CLI was installed from (packages/cli/dist/lib → ../../../..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Default model directory: ./models if it exists, else the bundled models of this checkout. */
export function defaultModelsDir(): string {
  return existsSync('models') ? resolve('models') : join(REPO_ROOT, 'models');
}
