/**
 * Synthesizes every case of app.ts in its own App with cdk-nag's AwsSolutions pack, the way the
 * installed cdk-nag is meant to be used (2.x: an Aspect, findings are annotations; 3.x: a policy
 * validation plugin, findings are in validation-report.json), and writes the unsuppressed findings
 * per case to results.json. Templates stay in cdk.out/<case>/ for cfn-lint.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import { CASES } from './app';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nag: any = require('cdk-nag');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nagVersion: string = require('cdk-nag/package.json').version;
const nagMajor = Number(nagVersion.split('.')[0]);

interface Finding { readonly level: string; readonly rule: string; readonly path: string }
interface Result { readonly case: string; readonly errors: number; readonly warnings: number; readonly findings: Finding[]; readonly templates: string[]; readonly failure?: string }

function run(name: string): Result {
  const outdir = path.join('cdk.out', name);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new cdk.App({ outdir });
  const findings: Finding[] = [];
  let failure: string | undefined;
  if (nagMajor >= 3) {
    const validations = (cdk as any).Validations;
    if (!validations) { throw new Error(`cdk-nag ${nagVersion} needs aws-cdk-lib's Validations`); }
    validations.of(app).addPlugins(new nag.AwsSolutionsChecks(app));
    CASES[name](app);
    try {
      app.synth();
    } catch (e) {
      const report = path.join(outdir, 'validation-report.json');
      if (!fs.existsSync(report)) { failure = String(e); }
    }
    const report = path.join(outdir, 'validation-report.json');
    if (fs.existsSync(report)) {
      for (const plugin of JSON.parse(fs.readFileSync(report, 'utf8')).pluginReports ?? []) {
        for (const v of plugin.violations ?? []) {
          for (const c of v.violatingConstructs ?? v.violatingResources ?? []) {
            findings.push({ level: v.severity, rule: v.ruleName, path: c.constructPath ?? c.resourceLogicalId });
          }
        }
      }
    }
  } else {
    cdk.Aspects.of(app).add(new nag.AwsSolutionsChecks());
    const stack = CASES[name](app);
    // Read the annotations of this one synthesis (aws-cdk-lib 2.236 cannot synthesize the same App twice).
    const assembly = app.synth();
    for (const m of assembly.getStackArtifact(stack.artifactId).messages) {
      const text = String(m.entry.data);
      const rule = /^\[?((?:AwsSolutions-[A-Za-z0-9]+|CdkNagValidationFailure)(?:\[[^\n]*?\])?)/.exec(text)?.[1];
      if (rule && (m.level === 'error' || m.level === 'warning')) { findings.push({ level: m.level, rule, path: m.id }); }
    }
  }
  const templates = fs.existsSync(outdir) ? fs.readdirSync(outdir).filter(f => f.endsWith('.template.json')).map(f => path.join(outdir, f)) : [];
  return {
    case: name,
    errors: findings.filter(f => f.level === 'error').length,
    warnings: findings.filter(f => f.level === 'warning').length,
    findings,
    templates,
    ...(failure ? { failure } : {}),
  };
}

const results = Object.keys(CASES).map(run);
fs.writeFileSync('results.json', JSON.stringify({ nag: nagVersion, cdk: (require('aws-cdk-lib/package.json') as any).version, results }, null, 2));
for (const r of results) {
  console.log(`  ${r.case}: ${r.errors} error(s), ${r.warnings} warning(s)${r.failure ? `, FAILED: ${r.failure}` : ''}`);
  const byRule = new Map<string, number>();
  r.findings.forEach(f => byRule.set(`${f.level} ${f.rule.replace(/\[.*$/, '')}`, (byRule.get(`${f.level} ${f.rule.replace(/\[.*$/, '')}`) ?? 0) + 1));
  if (byRule.size) { console.log(`    ${[...byRule].map(([k, n]) => `${k} x${n}`).join(', ')}`); }
}
// aws-cdk-lib 2.258 reports failed validation by setting process.exitCode instead of throwing: the
// verdict is results.json (read by run.sh), not this process's exit code.
process.exitCode = 0;
