/**
 * `npm run bench`: synthesizes EcsCiCdPipeline with 1, 3 and 10 environments next to the same
 * delivery system wired by hand from plain aws-cdk-lib (bench/hand-wired.ts), and prints one
 * markdown table (also written to bench-results/bench.md) plus the goals with PASS/FAIL.
 *
 * Timing: a fresh App per run, construct creation + `app.synth()` measured with
 * `process.hrtime.bigint()`; 1 warm-up run, then the median of BENCH_RUNS (default 5) runs, the two
 * variants alternating so that machine noise hits both alike. Always exits 0: it is a report.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { HandWiredStack } from './hand-wired';
import { EcsCiCdPipeline, PipelineSource } from '../src';

const SIZES = [1, 3, 10];
const RUNS = positiveInt(process.env.BENCH_RUNS, 5);
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f';
const SOURCE = { owner: 'acme', repo: 'shop', branch: 'main', connectionArn: CONNECTION_ARN };

// Goals.
const MAX_CUTOVER_S = 60;
const MAX_RESOURCES_PER_ENV = 45;
const CFN_MAX_RESOURCES = 500;
const CFN_MAX_TEMPLATE_BYTES = 1024 * 1024;
const MAX_SYNTH_RATIO = 1.5;

// CloudFormation defaults of AWS::ElasticLoadBalancingV2::TargetGroup (HTTP/HTTPS, instance/ip targets).
const CFN_DEFAULT_INTERVAL_S = 30;
const CFN_DEFAULT_HEALTHY_THRESHOLD = 5;
const CFN_DEFAULT_DEREGISTRATION_DELAY_S = 300;

/**
 * `library-lean` is the library with the features the hand-wired version does not have turned off
 * (dashboard, built-in smoke test): the like-for-like synth comparison.
 */
type Variant = 'library' | 'hand-wired' | 'library-lean';
const VARIANTS: Variant[] = ['library', 'hand-wired', 'library-lean'];

interface Template { Resources?: { [id: string]: { Type: string; Properties?: any } } }

interface Measurement {
  medianMs: number;
  samplesMs: number[];
  template: Template;
}

interface Metrics {
  medianMs: number;
  resources: number;
  templateBytes: number;
  /** Worst (largest) modelled cutover overhead over the template's target groups, in seconds. */
  cutoverS: number;
  /** Distinct per-target-group settings, for the footnote. */
  targetGroups: string[];
}

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-cicd-bench-'));

/** Builds and synthesizes one variant in a fresh App; returns the elapsed time and the template. */
function synthOnce(variant: Variant, n: number): { ms: number; template: Template } {
  const outdir = fs.mkdtempSync(path.join(tmpRoot, `${variant}-${n}-`));
  const envNames = Array.from({ length: n }, (_, i) => `env${i + 1}`);
  const started = process.hrtime.bigint();
  const app = new App({ outdir });
  let stack: Stack;
  if (variant !== 'hand-wired') {
    const lean = variant === 'library-lean';
    stack = new Stack(app, 'Bench');
    new EcsCiCdPipeline(stack, 'Shop', {
      source: PipelineSource.connection(SOURCE),
      // The last environment is production, as in the hand-wired version.
      environments: envNames.map((name, i) => ({ name, production: i === n - 1, ...(lean ? { dashboard: false, smokeTest: false } : {}) })),
    });
  } else {
    stack = new HandWiredStack(app, 'Bench', { environments: envNames, ...SOURCE });
  }
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const template = assembly.getStackArtifact(stack.artifactId).template as Template;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, template };
}

function measureBoth(n: number): Record<Variant, Measurement> {
  const samples: Record<Variant, number[]> = { 'library': [], 'hand-wired': [], 'library-lean': [] };
  const templates = {} as Record<Variant, Template>;
  for (let run = 0; run <= RUNS; run++) {
    // Alternate the order so neither variant always runs right after the other's garbage.
    const order = run % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const { ms, template } = synthOnce(variant, n);
      if (run === 0) { continue; } // warm-up
      samples[variant].push(ms);
      templates[variant] = template;
    }
  }
  const out = {} as Record<Variant, Measurement>;
  for (const variant of VARIANTS) {
    out[variant] = { medianMs: median(samples[variant]), samplesMs: samples[variant], template: templates[variant] };
  }
  return out;
}

function metricsOf(m: Measurement): Metrics {
  const resources = Object.values(m.template.Resources ?? {});
  const targetGroups = resources.filter(r => r.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup');
  const settings = targetGroups.map(tg => {
    const p = tg.Properties ?? {};
    const interval = numberOr(p.HealthCheckIntervalSeconds, CFN_DEFAULT_INTERVAL_S);
    const healthy = numberOr(p.HealthyThresholdCount, CFN_DEFAULT_HEALTHY_THRESHOLD);
    const attr = (p.TargetGroupAttributes ?? []).find((a: any) => a.Key === 'deregistration_delay.timeout_seconds');
    const dereg = numberOr(attr?.Value, CFN_DEFAULT_DEREGISTRATION_DELAY_S);
    return { interval, healthy, dereg, cutover: interval * healthy + dereg };
  });
  return {
    medianMs: m.medianMs,
    resources: resources.length,
    templateBytes: Buffer.byteLength(JSON.stringify(m.template), 'utf8'),
    cutoverS: settings.length ? Math.max(...settings.map(s => s.cutover)) : NaN,
    targetGroups: [...new Set(settings.map(s => `${s.interval} s x ${s.healthy} + ${s.dereg} s = ${s.cutover} s`))],
  };
}

function main(): void {
  const wallStart = process.hrtime.bigint();
  console.log(`Benchmark: ${SIZES.join(', ')} environments, 1 warm-up + median of ${RUNS} run(s) per variant (node ${process.version}, ${os.cpus().length} CPUs)`);

  const results = new Map<number, Record<Variant, Metrics>>();
  for (const n of SIZES) {
    const measured = measureBoth(n);
    results.set(n, {
      'library': metricsOf(measured.library),
      'hand-wired': metricsOf(measured['hand-wired']),
      'library-lean': metricsOf(measured['library-lean']),
    });
    console.log(`  N=${n}: library ${fmtSamples(measured.library.samplesMs)} ms; hand-wired ${fmtSamples(measured['hand-wired'].samplesMs)} ms; `
      + `library-lean ${fmtSamples(measured['library-lean'].samplesMs)} ms`);
  }

  // Marginal resources per environment: the 1->3 step (shown at N=3) and the 3->10 step (at N=10).
  const marginal = (variant: Variant, n: number): number | undefined => {
    const i = SIZES.indexOf(n);
    if (i <= 0) { return undefined; }
    const prev = SIZES[i - 1];
    return (results.get(n)![variant].resources - results.get(prev)![variant].resources) / (n - prev);
  };
  const stepLabel = (n: number): string => {
    const i = SIZES.indexOf(n);
    return i <= 0 ? 'n/a (needs two sizes)' : `${SIZES[i - 1]}->${n}`;
  };

  const lines: string[] = [];
  lines.push('| N envs | synth median ms (lib / hand) | synth ratio lib/hand | resources (lib / hand) | resources/env marginal, step (lib / hand) | template KiB (lib / hand) | cutover overhead s/env (lib / hand) |');
  lines.push('|---:|---:|---:|---:|---|---:|---:|');
  for (const n of SIZES) {
    const lib = results.get(n)!.library;
    const hand = results.get(n)!['hand-wired'];
    const mLib = marginal('library', n);
    const mHand = marginal('hand-wired', n);
    lines.push(`| ${n} | ${lib.medianMs.toFixed(0)} / ${hand.medianMs.toFixed(0)} | ${(lib.medianMs / hand.medianMs).toFixed(2)}x | ${lib.resources} / ${hand.resources} | `
      + (mLib === undefined ? `${stepLabel(n)} | ` : `${fmt(mLib)} / ${fmt(mHand!)} (${stepLabel(n)}) | `)
      + `${(lib.templateBytes / 1024).toFixed(1)} / ${(hand.templateBytes / 1024).toFixed(1)} | ${lib.cutoverS} / ${hand.cutoverS} |`);
  }
  lines.push('');
  lines.push('| N envs | like-for-like: library without dashboard and smoke test, synth median ms | ratio to hand-wired | resources |');
  lines.push('|---:|---:|---:|---:|');
  for (const n of SIZES) {
    const lean = results.get(n)!['library-lean'];
    const hand = results.get(n)!['hand-wired'];
    lines.push(`| ${n} | ${lean.medianMs.toFixed(0)} | ${(lean.medianMs / hand.medianMs).toFixed(2)}x | ${lean.resources} |`);
  }
  const notes = [
    '',
    `Synth = construct creation + app.synth() in a fresh App, 1 warm-up then median of ${RUNS}. `
      + 'Resources/env is marginal: (R(N) - R(prev N)) / (N - prev N); at N=1 it cannot be separated from the shared resources.',
    'Cutover overhead = HealthCheckIntervalSeconds x HealthyThresholdCount + deregistration_delay.timeout_seconds of the worst target group '
      + `(CloudFormation defaults ${CFN_DEFAULT_INTERVAL_S} s, ${CFN_DEFAULT_HEALTHY_THRESHOLD}, ${CFN_DEFAULT_DEREGISTRATION_DELAY_S} s when absent). `
      + `Target groups: library ${results.get(SIZES[SIZES.length - 1])!.library.targetGroups.join('; ')}; `
      + `hand-wired ${results.get(SIZES[SIZES.length - 1])!['hand-wired'].targetGroups.join('; ')}.`,
  ];

  // ---- goals ------------------------------------------------------------------------------------------
  const goals: string[] = [];
  const check = (ok: boolean, text: string) => goals.push(`${ok ? 'PASS' : 'FAIL'}: ${text}`);
  const worstCutover = Math.max(...SIZES.map(n => results.get(n)!.library.cutoverS));
  check(worstCutover <= MAX_CUTOVER_S, `cutover overhead <= ${MAX_CUTOVER_S} s per environment (library: ${worstCutover} s)`);
  for (const n of SIZES.slice(1)) {
    const m = marginal('library', n)!;
    check(m <= MAX_RESOURCES_PER_ENV, `<= ${MAX_RESOURCES_PER_ENV} resources per environment, marginal ${stepLabel(n)} (library: ${fmt(m)})`);
  }
  const big = results.get(SIZES[SIZES.length - 1])!.library;
  const bigN = SIZES[SIZES.length - 1];
  check(big.resources <= CFN_MAX_RESOURCES, `${bigN} environments <= ${CFN_MAX_RESOURCES} resources (library: ${big.resources})`);
  check(big.templateBytes <= CFN_MAX_TEMPLATE_BYTES,
    `${bigN} environments template <= 1 MiB (library: ${(big.templateBytes / 1024).toFixed(1)} KiB = ${(100 * big.templateBytes / CFN_MAX_TEMPLATE_BYTES).toFixed(0)}% of the limit)`);
  for (const n of SIZES) {
    const r = results.get(n)!;
    const ratio = r.library.medianMs / r['hand-wired'].medianMs;
    check(ratio <= MAX_SYNTH_RATIO, `synth <= ${MAX_SYNTH_RATIO}x hand-wired at N=${n} (library ${r.library.medianMs.toFixed(0)} ms / hand-wired ${r['hand-wired'].medianMs.toFixed(0)} ms = ${ratio.toFixed(2)}x)`);
  }

  for (const n of SIZES) {
    const r = results.get(n)!;
    const ratio = r['library-lean'].medianMs / r['hand-wired'].medianMs;
    check(ratio <= MAX_SYNTH_RATIO, `like-for-like synth <= ${MAX_SYNTH_RATIO}x hand-wired at N=${n} (library without dashboard/smoke test ${r['library-lean'].medianMs.toFixed(0)} ms = ${ratio.toFixed(2)}x)`);
  }

  const wallS = Number(process.hrtime.bigint() - wallStart) / 1e9;
  const report = [
    ...lines,
    ...notes,
    '',
    ...goals.map(g => `- ${g}`),
    '',
    `Bench wall time: ${wallS.toFixed(1)} s (${RUNS} timed run(s) + 1 warm-up per variant and size; node ${process.version}, ${os.cpus().length} CPUs).`,
  ];

  console.log('');
  console.log([...lines, ...notes].join('\n'));
  console.log('');
  for (const g of goals) {
    console.log(g.startsWith('FAIL') ? `!!! ${g}` : `    ${g}`);
  }
  const failures = goals.filter(g => g.startsWith('FAIL')).length;
  console.log('');
  console.log(failures ? `${failures} goal(s) FAILED (report only: exit code 0).` : 'All goals PASS.');
  console.log(`Bench wall time: ${wallS.toFixed(1)} s`);

  const outDir = path.join(__dirname, '..', 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'bench.md'), `# cdk-ecs-cicd-pipeline bench\n\n${report.join('\n')}\n`);
  console.log(`Wrote ${path.relative(process.cwd(), path.join(outDir, 'bench.md'))}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function numberOr(value: unknown, fallback: number): number {
  if (value === undefined || value === null) { return fallback; }
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? `${n}` : n.toFixed(1);
}

function fmtSamples(values: number[]): string {
  return `[${values.map(v => v.toFixed(0)).join(', ')}]`;
}

try {
  main();
} catch (err) {
  console.error('FAIL: the bench did not complete:', err);
} finally {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
  process.exitCode = 0;
}
