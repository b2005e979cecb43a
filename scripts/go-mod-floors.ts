/**
 * Makes the Go module require the same minimum versions the other languages allow.
 *
 * jsii-pacmak writes each `require` of the generated go.mod from the version of the dependency
 * assembly it loaded from node_modules (`RootPackage.emitGomod`, `dep.version` in
 * node_modules/jsii-pacmak/lib/targets/go/package.js), while the Python, Java and .NET bindings
 * take the range declared in package.json. Our dev copy of aws-cdk-lib is newer than the peer
 * minimum (see .projenrc.ts), so the Go module required aws-cdk-go v2.257.0 where every other
 * language allows 2.236.0. In Go a `require` is a minimum version (minimal version selection),
 * so the floor of each peer dependency is written instead. The `// indirect` lines pacmak adds
 * list the dev copy's own dependencies at the dev copy's versions (including a newer major of the
 * cloud assembly schema); they are dropped, `go get` computes them from aws-cdk-go's go.mod.
 *
 * Usage: ts-node scripts/go-mod-floors.ts <directory with generated go modules>
 */
import * as fs from 'fs';
import * as path from 'path';

const pacmakDir = path.dirname(require.resolve('jsii-pacmak/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const semver = require(require.resolve('semver', { paths: [pacmakDir] }));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadAssemblyFromPath, ALL_SPEC_FEATURES } = require(require.resolve('@jsii/spec', { paths: [pacmakDir] }));

/** Go module path of a jsii dependency, with the major-version suffix Go requires from v2 on. */
function goModulePath(packageName: string, root: string): string | undefined {
  const dir = path.dirname(require.resolve(`${packageName}/package.json`, { paths: [root] }));
  const asm = loadAssemblyFromPath(dir, false, ALL_SPEC_FEATURES);
  const moduleName: string | undefined = asm.targets?.go?.moduleName;
  if (!moduleName) return undefined;
  const major = semver.major(asm.version);
  const packageName_ = asm.targets.go.packageName ?? asm.name.replace(/[^a-z0-9]/gi, '').toLowerCase();
  return `${moduleName}/${packageName_}${major >= 2 ? `/v${major}` : ''}`;
}

/** Go module path -> floor version (`v2.236.0`), from package.json's peer dependencies. */
export function goFloors(root: string): Map<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8'));
  const floors = new Map<string, string>();
  for (const [name, range] of Object.entries<string>(pkg.peerDependencies ?? {})) {
    const modulePath = goModulePath(name, root);
    if (modulePath) {
      floors.set(modulePath, `v${semver.minVersion(range).version}`);
    }
  }
  return floors;
}

export function applyFloors(goMod: string, floors: Map<string, string>): string {
  return goMod
    .split('\n')
    .filter((line) => !line.endsWith('// indirect'))
    .map((line) => {
      const m = /^(\s+)(\S+) v\S+$/.exec(line);
      const floor = m && floors.get(m[2]);
      return floor ? `${m[1]}${m[2]} ${floor}` : line;
    })
    .join('\n');
}

function findGoMods(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return findGoMods(full);
    return entry.name === 'go.mod' ? [full] : [];
  });
}

function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: go-mod-floors.ts <directory>');
  const floors = goFloors(process.cwd());
  const goMods = findGoMods(dir);
  if (goMods.length === 0) throw new Error(`no go.mod under ${dir}`);
  for (const file of goMods) {
    fs.writeFileSync(file, applyFloors(fs.readFileSync(file, 'utf-8'), floors));
    console.log(`${file}: ${[...floors].map(([m, v]) => `${m} ${v}`).join(', ')}`);
  }
}

if (require.main === module) {
  main();
}
