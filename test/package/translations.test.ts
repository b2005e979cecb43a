import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { pack, Packed, PACKAGE_NAME, pythonBlocks, ROOT, typescriptBlocks } from './packed';
import { assemblyClosure, bindingName, memberNames } from '../../scripts/rosetta-python-names';

const PYTHON_MODULE = 'cdk_ecs_cicd_pipeline';

interface Snippet {
  readonly where: string;
  readonly source: string;
}

interface NamesReport {
  readonly classes: number;
  readonly problems: string[];
  readonly external: Array<{ where: string; name: string; context: string }>;
  readonly namesChecked: number;
}

/**
 * Translates the examples of the installed package to Python as jsii-docgen (Construct Hub) does:
 * jsii-rosetta's transliterateAssembly, which reuses the tablet next to the assembly when it is
 * current and otherwise compiles the examples again. It runs in its own Node.js process: inside
 * jest's module sandbox jsii-rosetta cannot load the tablet (a dynamic import) and would silently
 * translate everything again. Returns the transliterated assembly.
 */
function transliterateToPython(packageDir: string, outdir: string): any {
  fs.mkdirSync(outdir, { recursive: true });
  const script = `require(${JSON.stringify(require.resolve('jsii-rosetta', { paths: [ROOT] }))})
    .transliterateAssembly([process.argv[1]], ['python'], { unknownSnippets: 'fail', outdir: process.argv[2] })
    .catch((e) => { console.error(e); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script, packageDir, outdir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return JSON.parse(fs.readFileSync(path.join(outdir, '.jsii.python'), 'utf-8'));
}

/** Every `@example` in the (transliterated) assembly, on types and their members. */
function examples(assembly: any): Snippet[] {
  const out: Snippet[] = [];
  for (const [fqn, type] of Object.entries<any>(assembly.types ?? {})) {
    const docsOf = [[fqn, type.docs], ...[...(type.properties ?? []), ...(type.methods ?? [])].map((m: any) => [`${fqn}.${m.name}`, m.docs])];
    for (const [where, docs] of docsOf) {
      if (docs?.example) out.push({ where: `@example of ${where}`, source: docs.example });
    }
  }
  return out;
}

/**
 * GIVEN the packed tarball installed next to its peers
 * WHEN its examples are translated to Python the way Construct Hub does it (jsii-docgen calls
 *      jsii-rosetta's transliterateAssembly on the installed package, which reuses the shipped tablet)
 * THEN every example compiled, and uses only names that exist in the generated Python binding
 */
describe('Python translations of the examples, from the packed tarball', () => {
  let packed: Packed;
  let readme: string;
  let snippets: Snippet[];
  let report: NamesReport;

  beforeAll(() => {
    packed = pack();
    const python = transliterateToPython(packed.packageDir, path.join(packed.dir, 'transliterated'));
    readme = python.readme.markdown;
    snippets = [
      ...pythonBlocks(readme).map((source, i) => ({ where: `README example ${i + 1}`, source })),
      ...examples(python),
    ];

    // The Python binding jsii-pacmak generates from the same package.
    const codegen = path.join(packed.dir, 'codegen');
    execFileSync(path.join(ROOT, 'node_modules', '.bin', 'jsii-pacmak'), ['--code-only', '--targets', 'python', '--outdir', codegen, packed.packageDir], {
      stdio: 'ignore',
    });
    const binding = path.join(codegen, 'python', 'src', PYTHON_MODULE, '__init__.py');
    report = JSON.parse(execFileSync('python3', [path.join(__dirname, 'python_names.py'), binding, PYTHON_MODULE], {
      input: JSON.stringify(snippets),
      encoding: 'utf-8',
    }));
  });

  test('every README example is translated', () => {
    const original = fs.readFileSync(path.join(packed.packageDir, 'README.md'), 'utf-8');
    expect(pythonBlocks(readme)).toHaveLength(typescriptBlocks(original).length);
    expect(snippets.length).toBeGreaterThan(typescriptBlocks(original).length);
  });

  test('no translation is a best guess from non-compiling source', () => {
    const guessed = snippets.filter((s) => /non-compiling source/.test(s.source)).map((s) => s.where);
    expect(guessed).toEqual([]);
  });

  test('structs are passed as their classes, not as plain dicts', () => {
    // An untyped translation turns `environments: [{ name: 'dev' }]` into `[{"name": "dev"}]`.
    expect(readme).toMatch(/environments=\[EnvironmentOptions\(name="dev"/);
    expect(readme).not.toMatch(/environments=\[\{"name"/);
  });

  test('keywords and members used on the library are those of the generated Python binding', () => {
    expect(report.classes).toBeGreaterThan(10);
    expect(report.namesChecked).toBeGreaterThan(50);
    expect(report.problems).toEqual([]);
  });

  test('keywords and attributes used on aws-cdk-lib and constructs are names of their Python bindings', () => {
    // Their bindings are not generated here: their names are jsii-pacmak's names of their members.
    const known = new Set([...memberNames(assemblyClosure(packed.packageDir))].map(bindingName));
    const unknown = report.external.filter((e) => !known.has(e.name)).map((e) => `${e.where}: ${e.context}`);
    expect(unknown).toEqual([]);
  });

  test('the Orders example passes memory_limit_mib, the binding\'s keyword', () => {
    expect(readme).toMatch(/memory_limit_mib=1024/);
    expect(readme).not.toMatch(/memory_limit_mi_b/);
  });
});

describe(`${PACKAGE_NAME} without its tablet`, () => {
  test('the shipped fixture still lets jsii-rosetta compile every example', () => {
    // GIVEN the tarball without .jsii.tabl.json (a jsii-rosetta with another translator version
    // cannot reuse it and translates again, from the fixture under rosetta/)
    const packed = pack();
    fs.rmSync(path.join(packed.packageDir, '.jsii.tabl.json'));

    // WHEN
    const python = transliterateToPython(packed.packageDir, path.join(packed.dir, 'transliterated'));

    // THEN
    const sources = [...pythonBlocks(python.readme.markdown), ...examples(python).map((s) => s.source)];
    expect(sources.filter((s) => /non-compiling source/.test(s))).toEqual([]);
  });
});
