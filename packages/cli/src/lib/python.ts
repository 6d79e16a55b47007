import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** The packages the trainer imports, with the pip names to install them by. */
const TRAINER_MODULES: [module: string, pip: string][] = [
  ['numpy', 'numpy'],
  ['pandas', 'pandas'],
  ['sklearn', 'scikit-learn'],
  ['xgboost', 'xgboost-cpu'],
  ['onnx', 'onnx'],
  ['onnxmltools', 'onnxmltools'],
  ['skl2onnx', 'skl2onnx'],
  ['onnxruntime', 'onnxruntime'],
];

/** The project's virtualenv if it exists (scripts/setup-python.sh makes it), else python3 on PATH. */
export function defaultPython(): string {
  const venv = join(REPO_ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** Checks the interpreter and the trainer's packages; returns a message saying exactly what is missing, or null. */
export function checkTrainerPython(python: string): string | null {
  const probe = spawnSync(
    python,
    ['-c', `import importlib.util,sys\nmissing=[m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]\nprint(" ".join(missing))`, ...TRAINER_MODULES.map(([m]) => m)],
    { encoding: 'utf8' },
  );
  if (probe.error) return `cannot run '${python}' (${probe.error.message}); install Python 3.11+ or pass --python`;
  if (probe.status !== 0) return `'${python}' failed: ${probe.stderr.trim()}`;
  const missing = probe.stdout.trim().split(/\s+/).filter(Boolean);
  if (missing.length === 0) return null;
  const pips = missing.map((m) => TRAINER_MODULES.find(([mod]) => mod === m)![1]);
  return `'${python}' lacks ${pips.join(', ')}; install the pinned versions with: ${python} -m pip install -r ${join(REPO_ROOT, 'models', 'requirements.txt')}  (or run: bash scripts/setup-python.sh)`;
}

/** Runs a Python script with inherited stdio; resolves with its exit code. */
export function runPython(python: string, args: string[], cwd: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(python, args, { cwd, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) => done(code ?? 1));
  });
}
