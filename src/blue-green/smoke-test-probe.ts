/**
 * The smoke test's probe, engine-neutral: it calls the green version through the load balancer's
 * test listener `ATTEMPTS` times and returns the outcome; reporting it is the engine's part
 * (codedeploy/smoke-test-reporter.ts for CodeDeploy).
 *
 * Configuration (environment variables):
 * - TEST_LISTENER_PROTOCOL        HTTP | HTTPS (required)
 * - TEST_LISTENER_PORT            1-65535 (required)
 * - LOAD_BALANCER_DNS_NAME        sent as Host header / SNI (required)
 * - LOAD_BALANCER_ENI_DESCRIPTION optional; when set, requests go to the ALB's private IPs
 * - HEALTH_CHECK_PATH             must start with '/' (required)
 * - EXPECTED_STATUS               e.g. "200,204,301-302" (default "200-299")
 * - ATTEMPTS                      default 5
 * - TIMEOUT_MS                    per request, default 5000
 * - INTERVAL_MS                   between attempts, default 1000
 */
import * as http from 'node:http';
import * as https from 'node:https';
// The AWS SDK v3 is provided by the Lambda Node.js runtime (not bundled).
// eslint-disable-next-line import/no-extraneous-dependencies
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';

/** Event sent by CodeDeploy to a lifecycle hook Lambda (the reporter needs it). */
export interface LifecycleHookEvent {
  readonly DeploymentId: string;
  readonly LifecycleEventHookExecutionId: string;
}

/** The subset of the Lambda context the handler uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

export type HookStatus = 'Succeeded' | 'Failed';

export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

export interface SmokeTestConfig {
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly port: number;
  readonly dnsName: string;
  readonly eniDescription?: string;
  readonly path: string;
  readonly expectedStatus: StatusRange[];
  readonly attempts: number;
  readonly timeoutMs: number;
  readonly intervalMs: number;
}

export interface AttemptResult {
  readonly attempt: number;
  readonly target?: string;
  readonly statusCode?: number;
  readonly error?: string;
  readonly durationMs: number;
}

export interface SmokeTestSummary {
  readonly status: HookStatus;
  readonly attempts: AttemptResult[];
  /** Set when the smoke test could not run (misconfiguration, ENI lookup failure, ...). */
  readonly error?: string;
}

/** Time kept back (on top of TIMEOUT_MS) so the result can still be reported before the Lambda times out. */
const REPORT_RESERVE_MS = 3000;

let ec2: EC2Client | undefined;
const ec2Client = (): EC2Client => (ec2 ??= new EC2Client({}));

/**
 * Parses an ALB-style matcher: comma-separated codes and ranges, e.g. `200`, `200-299`, `200,204,301-302`.
 * @throws on any malformed entry
 */
export function parseExpectedStatus(spec: string): StatusRange[] {
  return spec.split(',').map((raw) => {
    const entry = raw.trim();
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(entry);
    if (!match) {
      throw new Error(`Invalid EXPECTED_STATUS entry "${entry}" in "${spec}" (expected codes like 200 or ranges like 200-299)`);
    }
    const min = Number(match[1]);
    const max = Number(match[2] ?? match[1]);
    if (min < 100 || max > 599 || min > max) {
      throw new Error(`Invalid EXPECTED_STATUS entry "${entry}" in "${spec}" (codes must be 100-599, range low <= high)`);
    }
    return { min, max };
  });
}

export function isExpectedStatus(statusCode: number | undefined, ranges: readonly StatusRange[]): boolean {
  return statusCode !== undefined && ranges.some((r) => statusCode >= r.min && statusCode <= r.max);
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Missing required environment variable ${name}`);
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, defaultValue: number | undefined, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) {
    if (defaultValue === undefined) throw new Error(`Missing required environment variable ${name}`);
    return defaultValue;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new Error(`Invalid ${name}: "${raw}" (expected an integer between ${min} and ${max})`);
  }
  return value;
}

/** Reads and validates the configuration; throws an error naming the offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SmokeTestConfig {
  const protocol = required(env, 'TEST_LISTENER_PROTOCOL').toUpperCase();
  if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
    throw new Error(`Invalid TEST_LISTENER_PROTOCOL: "${env.TEST_LISTENER_PROTOCOL}" (expected HTTP or HTTPS)`);
  }
  const path = required(env, 'HEALTH_CHECK_PATH');
  if (!path.startsWith('/') || /\s/.test(path)) {
    throw new Error(`Invalid HEALTH_CHECK_PATH: "${path}" (must start with '/' and contain no whitespace)`);
  }
  return {
    protocol,
    port: integer(env, 'TEST_LISTENER_PORT', undefined, 1, 65535),
    dnsName: required(env, 'LOAD_BALANCER_DNS_NAME'),
    eniDescription: env.LOAD_BALANCER_ENI_DESCRIPTION?.trim() || undefined,
    path,
    expectedStatus: parseExpectedStatus(env.EXPECTED_STATUS?.trim() || '200-299'),
    attempts: integer(env, 'ATTEMPTS', 5, 1, 100),
    timeoutMs: integer(env, 'TIMEOUT_MS', 5000, 1, 600_000),
    intervalMs: integer(env, 'INTERVAL_MS', 1000, 0, 600_000),
  };
}

/** The hosts to connect to: the ALB's private IPs (ENI lookup) or its DNS name. */
export async function resolveTargets(config: SmokeTestConfig): Promise<string[]> {
  if (!config.eniDescription) return [config.dnsName];
  const ips = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await ec2Client().send(new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: 'description', Values: [config.eniDescription] }],
      NextToken: nextToken,
    }));
    for (const eni of page.NetworkInterfaces ?? []) {
      if (eni.PrivateIpAddress) ips.add(eni.PrivateIpAddress);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  if (ips.size === 0) {
    throw new Error(`No network interfaces with a private IP found for LOAD_BALANCER_ENI_DESCRIPTION "${config.eniDescription}"`);
  }
  return [...ips];
}

/** One GET request; resolves (never rejects) with the status code or an error message. */
export function probe(config: SmokeTestConfig, target: string): Promise<{ statusCode?: number; error?: string; durationMs: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: { statusCode?: number; error?: string }) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, durationMs: Date.now() - started });
    };
    const options: https.RequestOptions = {
      host: target,
      port: config.port,
      path: config.path,
      method: 'GET',
      agent: false, // a fresh connection per attempt
      headers: { 'Host': config.dnsName, 'User-Agent': 'codedeploy-smoke-test', 'Connection': 'close' },
    };
    const request = config.protocol === 'HTTPS'
      // We connect by IP, so the ALB certificate cannot be verified against the host; SNI selects it.
      ? https.request({ ...options, servername: config.dnsName, rejectUnauthorized: false })
      : http.request(options);
    const timer = setTimeout(() => request.destroy(new Error(`timeout after ${config.timeoutMs} ms`)), config.timeoutMs);
    request.on('response', (response) => {
      response.resume(); // drain the body; the timer still bounds a slow body
      settle({ statusCode: response.statusCode });
    });
    request.on('error', (err) => settle({ error: err.message }));
    request.on('close', () => clearTimeout(timer));
    request.end();
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs all attempts (every one must pass). Throws on configuration or lookup errors. */
export async function runSmokeTest(config: SmokeTestConfig, context?: LambdaContextLike): Promise<SmokeTestSummary> {
  const targets = await resolveTargets(config);
  const attempts: AttemptResult[] = [];
  for (let attempt = 1; attempt <= config.attempts; attempt++) {
    if (attempt > 1) await sleep(config.intervalMs);
    const target = targets[(attempt - 1) % targets.length];
    if (context && context.getRemainingTimeInMillis() < config.timeoutMs + REPORT_RESERVE_MS) {
      const skipped: AttemptResult = { attempt, target, error: 'not run: Lambda time budget exhausted', durationMs: 0 };
      console.log(JSON.stringify({ ...skipped, ok: false }));
      attempts.push(skipped);
      break;
    }
    const result: AttemptResult = { attempt, target, ...await probe(config, target) };
    console.log(JSON.stringify({ ...result, ok: isExpectedStatus(result.statusCode, config.expectedStatus) }));
    attempts.push(result);
  }
  const passed = attempts.length === config.attempts && attempts.every((a) => isExpectedStatus(a.statusCode, config.expectedStatus));
  return { status: passed ? 'Succeeded' : 'Failed', attempts };
}
