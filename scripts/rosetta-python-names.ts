/**
 * Puts the Python binding's names into the rosetta tablet's Python translations.
 *
 * jsii-rosetta (6.0.17, `mangleIdentifier` in node_modules/jsii-rosetta/lib/languages/python.js)
 * turns camelCase into snake_case with two regular expressions, while jsii-pacmak, which writes the
 * Python binding, uses codemaker's `toSnakeCase`, which keeps the unit suffixes KiB, MiB and GiB
 * in one piece (node_modules/codemaker/lib/case-utils.js). So the README's `memoryLimitMiB: 1024`
 * is translated to `memory_limit_mi_b=1024`, while the binding's keyword is `memory_limit_mib`:
 * a Python user copying the example gets a TypeError. aws-cdk-lib's own tablet has the same
 * mistake (`memory_limit_mi_b` in its ECS examples).
 *
 * Construct Hub (jsii-docgen) and jsii-pacmak reuse the translations of the tablet shipped next
 * to `.jsii` as long as the snippet, its types and the translator version are unchanged, so
 * correcting the tablet corrects what Python users read. For every member and parameter name of
 * this assembly and of its dependencies, this computes rosetta's name and the binding's name and
 * replaces rosetta's name where they differ (whole words only). A name that one side uses for two
 * different members is left alone and reported; test/package/translations.test.ts then fails on it.
 *
 * Usage: ts-node scripts/rosetta-python-names.ts [.jsii.tabl.json]
 */
import * as fs from 'fs';
import * as path from 'path';

// The helpers jsii-pacmak itself uses, resolved from jsii-pacmak so the names are exactly the binding's.
const pacmakDir = path.dirname(require.resolve('jsii-pacmak/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toSnakeCase } = require(require.resolve('codemaker', { paths: [pacmakDir] }));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadAssemblyFromPath, ALL_SPEC_FEATURES } = require(require.resolve('@jsii/spec', { paths: [pacmakDir] }));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toPythonIdentifier } = require(path.join(pacmakDir, 'lib', 'targets', 'python', 'util.js'));

/** The name jsii-pacmak gives a property, method or parameter in the Python binding. */
export function bindingName(name: string): string {
  return toPythonIdentifier(toSnakeCase(name));
}

/** The name jsii-rosetta 6.0.17 writes for the same identifier (a copy of its `mangleIdentifier`). */
export function rosettaName(name: string): string {
  if (/^[A-Z]/.test(name)) {
    return name;
  }
  const cased = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
  return cased === 'lambda' ? 'lambda_' : cased;
}

interface AssemblyLike {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly types?: Record<string, any>;
}

/** The assembly in `dir` and every jsii assembly it depends on, resolved like jsii-pacmak does. */
export function assemblyClosure(dir: string): AssemblyLike[] {
  const seen = new Map<string, AssemblyLike>();
  const visit = (packageDir: string) => {
    const asm: AssemblyLike = loadAssemblyFromPath(packageDir, false, ALL_SPEC_FEATURES);
    if (seen.has(asm.name)) {
      return;
    }
    seen.set(asm.name, asm);
    for (const dep of Object.keys(asm.dependencies ?? {})) {
      visit(path.dirname(require.resolve(`${dep}/package.json`, { paths: [packageDir] })));
    }
  };
  visit(dir);
  return [...seen.values()];
}

/** Every camelCase member and parameter name declared in the assemblies. */
export function memberNames(assemblies: AssemblyLike[]): Set<string> {
  const names = new Set<string>();
  const addParams = (callable?: { parameters?: Array<{ name: string }> }) => {
    for (const p of callable?.parameters ?? []) names.add(p.name);
  };
  for (const asm of assemblies) {
    for (const type of Object.values(asm.types ?? {})) {
      addParams(type.initializer);
      for (const p of type.properties ?? []) names.add(p.name);
      for (const m of type.methods ?? []) {
        names.add(m.name);
        addParams(m);
      }
    }
  }
  return names;
}

export interface NameCorrections {
  /** rosetta's name -> the binding's name */
  readonly corrections: Map<string, string>;
  /** rosetta names that cannot be corrected unambiguously */
  readonly ambiguous: string[];
}

export function nameCorrections(names: Iterable<string>): NameCorrections {
  const bindingNames = new Set<string>();
  const candidates = new Map<string, Set<string>>();
  for (const name of names) {
    const binding = bindingName(name);
    bindingNames.add(binding);
    const rosetta = rosettaName(name);
    if (rosetta !== binding) {
      candidates.set(rosetta, (candidates.get(rosetta) ?? new Set()).add(binding));
    }
  }
  const corrections = new Map<string, string>();
  const ambiguous: string[] = [];
  for (const [rosetta, bindings] of candidates) {
    if (bindings.size === 1 && !bindingNames.has(rosetta)) {
      corrections.set(rosetta, [...bindings][0]);
    } else {
      ambiguous.push(`${rosetta} -> ${[...bindings].join(' | ')}`);
    }
  }
  return { corrections, ambiguous };
}

/**
 * Replaces rosetta's names by the binding's in one Python translation (whole identifiers only).
 * Names that are Python keywords (`from` -> `from_`) are replaced only where they are an attribute
 * (`.from`) or a keyword argument (`from=`), never in `from x import y` or in prose comments.
 */
export function correctPython(source: string, corrections: Map<string, string>): string {
  return source.replace(/(\.)?\b([a-z_][a-z0-9_]*)\b(?=(\s*=(?!=))?)/g, (match, dot, word, assign) => {
    const corrected = corrections.get(word);
    if (!corrected || (corrected === `${word}_` && !dot && !assign)) {
      return match;
    }
    return `${dot ?? ''}${corrected}`;
  });
}

function main() {
  const tabletFile = path.resolve(process.argv[2] ?? '.jsii.tabl.json');
  const { corrections, ambiguous } = nameCorrections(memberNames(assemblyClosure(path.dirname(tabletFile))));
  const tablet = JSON.parse(fs.readFileSync(tabletFile, 'utf-8'));
  const changed: string[] = [];
  for (const snippet of Object.values<any>(tablet.snippets ?? {})) {
    const python = snippet.translations?.python;
    if (!python) continue;
    const corrected = correctPython(python.source, corrections);
    if (corrected !== python.source) {
      const words = (text: string) => new Set<string>(text.match(/\b[a-z_][a-z0-9_]*\b/g));
      const after = words(corrected);
      changed.push(...[...words(python.source)].filter((w) => !after.has(w)).map((w) => `${w} -> ${corrections.get(w)}`));
      python.source = corrected;
    }
  }
  fs.writeFileSync(tabletFile, JSON.stringify(tablet));
  const unique = [...new Set(changed)].sort();
  console.log(`${path.basename(tabletFile)}: ${unique.length ? unique.join(', ') : 'no Python names to correct'}`);
  if (ambiguous.length) {
    console.log(`left alone (ambiguous): ${ambiguous.join('; ')}`);
  }
}

if (require.main === module) {
  main();
}
