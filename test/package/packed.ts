/**
 * The package as a user (or Construct Hub) gets it: `npm pack` of the built project, unpacked into
 * `<dir>/node_modules/cdk-ecs-cicd-pipeline` next to its peer dependencies (links to this project's
 * copies, which is what `npm install cdk-ecs-cicd-pipeline aws-cdk-lib constructs` gives).
 * Needs a build first (`npm run build`, or compile + rosetta): .jsii, lib/ and assets/.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.join(__dirname, '..', '..');
export const PACKAGE_NAME = 'cdk-ecs-cicd-pipeline';

export interface Packed {
  /** the directory that holds node_modules/ */
  readonly dir: string;
  /** node_modules/cdk-ecs-cicd-pipeline */
  readonly packageDir: string;
  /** the tarball's files, as npm reports them */
  readonly files: string[];
}

export function assertBuilt(): void {
  for (const f of ['.jsii', 'lib/index.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) {
      throw new Error(`${f} is missing: build the project first (npm run build), then run npm run test:package`);
    }
  }
}

export function pack(): Packed {
  assertBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packed-'));
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [result] = JSON.parse(out);
  const packageDir = path.join(dir, 'node_modules', PACKAGE_NAME);
  fs.mkdirSync(packageDir, { recursive: true });
  execFileSync('tar', ['xzf', path.join(dir, result.filename), '-C', packageDir, '--strip-components=1']);
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf-8'));
  for (const dep of Object.keys(pkg.peerDependencies ?? {})) {
    fs.symlinkSync(path.dirname(require.resolve(`${dep}/package.json`, { paths: [ROOT] })), path.join(dir, 'node_modules', dep));
  }
  return { dir, packageDir, files: result.files.map((f: { path: string }) => f.path).sort() };
}

/** The TypeScript code blocks of a markdown text (what jsii-rosetta extracts). */
export function typescriptBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:ts|typescript)\s*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}

/** The Python code blocks of a markdown text. */
export function pythonBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```python\s*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
}
