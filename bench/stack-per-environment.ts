/**
 * Part of `npm run bench`: synthesizes EcsCiCdPipeline with `stackPerEnvironment: true` and 1, 3,
 * 10 and 20 environments (each with integration tests), and prints the synth time and the largest
 * stack (resources; CloudFormation accepts 500 per stack) as one markdown table, also written to
 * bench-results/stack-per-environment.md.
 *
 * Timing: a fresh App per run, construct creation + `app.synth()`, 1 warm-up run, then the median of
 * BENCH_RUNS (default 5) runs. Always exits 0: it is a report.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { EcsCiCdPipeline, PipelineSource } from '../src';

const SIZES = [1, 3, 10, 20];
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS) || 5);
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';
const CFN_MAX_RESOURCES = 500;

interface Run {
  readonly ms: number;
  /** Resources by stack name. */
  readonly resources: { [stack: string]: number };
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-cicd-bench-stacks-'));

function synthOnce(n: number): Run {
  const outdir = fs.mkdtempSync(path.join(tmpRoot, `${n}-`));
  const started = process.hrtime.bigint();
  const app = new App({ outdir });
  const stack = new Stack(app, 'Delivery', { env: { account: '111111111111', region: 'eu-west-1' } });
  new EcsCiCdPipeline(stack, 'Shop', {
    source: PipelineSource.connection({ owner: 'acme', repo: 'shop', branch: 'main', connectionArn: CONNECTION_ARN }),
    stackPerEnvironment: true,
    environments: Array.from({ length: n }, (_, i) => ({
      name: `env${i + 1}`,
      production: i === n - 1,
      integrationTestCommands: ['curl -fsS "$SERVICE_URL/"'],
    })),
  });
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const resources = Object.fromEntries(assembly.stacks.map(s => [s.stackName, Object.keys(s.template.Resources ?? {}).length]));
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, resources };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const rows: string[] = [
  `stackPerEnvironment: true, each environment with integration tests (median of ${RUNS} runs after 1 warm-up)`,
  '',
  '| Environments | synth ms | stacks | largest stack (resources) | pipeline stack resources | all resources | fits 500 per stack |',
  '|---:|---:|---:|---|---:|---:|:---:|',
];
for (const n of SIZES) {
  synthOnce(n);
  const runs = Array.from({ length: RUNS }, () => synthOnce(n));
  const resources = runs[0].resources;
  const [largestName, largest] = Object.entries(resources).sort((a, b) => b[1] - a[1])[0];
  const total = Object.values(resources).reduce((a, b) => a + b, 0);
  rows.push(`| ${n} | ${Math.round(median(runs.map(r => r.ms)))} | ${Object.keys(resources).length} | ${largestName} (${largest}) `
    + `| ${resources.Delivery} | ${total} | ${largest <= CFN_MAX_RESOURCES ? 'PASS' : 'FAIL'} |`);
}
const table = rows.join('\n');
console.log(table);
fs.mkdirSync('bench-results', { recursive: true });
fs.writeFileSync(path.join('bench-results', 'stack-per-environment.md'), table + '\n');
fs.rmSync(tmpRoot, { recursive: true, force: true });
