import * as fs from 'fs';
import * as path from 'path';
import { pack, Packed, ROOT, typescriptBlocks } from './packed';

/** Every file below `dir`, relative to it. */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full).map((f) => path.join(e.name, f)) : [e.name];
  });
}

/**
 * The tarball's expected contents: these files, plus the compiled JavaScript and declarations of
 * every source file, the bundle of every Lambda handler (derived from src/, so adding a source
 * file needs no change here, while anything else that slips into the tarball fails) and the
 * scripts the image build runs (build-scripts/, published as an asset from the installed package).
 */
const FIXED_FILES = [
  '.jsii', // the assembly
  '.jsii.tabl.json', // README/API example translations for Construct Hub and the bindings
  'API.md',
  'LICENSE',
  'README.md',
  'package.json',
  'rosetta/default.ts-fixture', // lets a newer jsii-rosetta re-translate the examples so they compile
];

function expectedFiles(): string[] {
  const sources = walk(path.join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const lib = sources.flatMap((f) => [`lib/${f.replace(/\.ts$/, '.js')}`, `lib/${f.replace(/\.ts$/, '.d.ts')}`]);
  const assets = sources.filter((f) => f.endsWith('.lambda.ts')).map((f) => `assets/${f.replace(/\.ts$/, '')}/index.js`);
  const buildScripts = walk(path.join(ROOT, 'build-scripts')).map((f) => path.join('build-scripts', f));
  return [...FIXED_FILES, ...lib, ...assets, ...buildScripts].map((f) => f.split(path.sep).join('/')).sort();
}

describe('the npm tarball', () => {
  let packed: Packed;
  beforeAll(() => {
    packed = pack();
  });

  test('holds exactly the library: assembly, tablet, fixture, docs, lib/, the bundled handlers and the build scripts', () => {
    expect(packed.files).toEqual(expectedFiles());
  });

  test('holds no scripts, tests, examples, benchmarks, CI or TypeScript sources', () => {
    const stray = packed.files.filter((f) => /^(scripts|test|examples|bench|\.ci|src|projenrc|\.projen|\.tmp|dist|cdk\.out)\//.test(f));
    expect(stray).toEqual([]);
  });

  test('ships the image build scripts where lib/pipeline/image-build.js finds them', () => {
    // GIVEN the installed package's layout / THEN ../../build-scripts/image-build from lib/pipeline/ holds both scripts
    const dir = path.join(packed.packageDir, 'lib', 'pipeline', '..', '..', 'build-scripts', 'image-build');
    expect(fs.readdirSync(dir).sort()).toEqual(['image-build.sh', 'image_build.py']);
  });

  test('ships the image tagging script where lib/pipeline/image-tagging.js finds it', () => {
    // GIVEN the installed package's layout / THEN ../../build-scripts/image-tag from lib/pipeline/ holds the script
    const dir = path.join(packed.packageDir, 'lib', 'pipeline', '..', '..', 'build-scripts', 'image-tag');
    expect(fs.readdirSync(dir)).toEqual(['tag-image.sh']);
    // AND the installed library renders the tagging buildspec from it
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tagging = require(path.join(packed.packageDir, 'lib', 'pipeline', 'image-tagging.js'));
    expect(tagging.renderImageTagBuildSpec().phases.build.commands[0]).toContain(fs.readFileSync(path.join(dir, 'tag-image.sh'), 'utf-8').trimEnd());
  });

  test('the installed package publishes those scripts as the image build\'s asset (in a stack with an explicit env)', () => {
    // GIVEN the library as a user installs it
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require(packed.packageDir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { App, Stack } = require('aws-cdk-lib');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ecr = require('aws-cdk-lib/aws-ecr');
    const app = new App();
    const stack = new Stack(app, 'Consumer', { env: { account: '123456789012', region: 'eu-west-1' } });
    const service = new lib.BlueGreenFargateService(stack, 'Api', { environmentName: 'api' });
    // WHEN an ImageBuild is synthesized
    const build = new lib.ImageBuild(stack, 'Build', { repository: new ecr.Repository(stack, 'Repository'), environments: [service] });
    const assembly = app.synth();
    // THEN its asset holds the two scripts of the installed package
    expect(fs.readdirSync(path.join(assembly.directory, build.scripts.assetPath)).sort()).toEqual(['image-build.sh', 'image_build.py']);
  });

  test('ships a tablet that translates every README example, each compiled', () => {
    // GIVEN the tablet and the README shipped in the tarball
    const tablet = JSON.parse(fs.readFileSync(path.join(packed.packageDir, '.jsii.tabl.json'), 'utf-8'));
    const readme = fs.readFileSync(path.join(packed.packageDir, 'README.md'), 'utf-8');
    const snippets = Object.values<any>(tablet.snippets);
    const fromReadme = snippets.filter((s) => s.location?.api?.api === 'moduleReadme');

    // THEN one translation per README TypeScript block, every snippet compiled (not a best guess)
    expect(fromReadme).toHaveLength(typescriptBlocks(readme).length);
    expect(snippets.filter((s) => !s.didCompile).map((s) => JSON.stringify(s.location))).toEqual([]);
    for (const s of snippets) {
      expect(Object.keys(s.translations)).toEqual(expect.arrayContaining(['python', 'java', 'csharp', 'go']));
    }
  });

  test('ships the fixture the examples compile in, next to the assembly where jsii-rosetta looks for it', () => {
    expect(fs.readFileSync(path.join(packed.packageDir, 'rosetta', 'default.ts-fixture'), 'utf-8')).toContain('/// here');
  });
});
