import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TLSSocket } from 'node:tls';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, isExpectedStatus, loadConfig, parseExpectedStatus } from '../src/blue-green/smoke-test.lambda';

const EVENT = { DeploymentId: 'd-ABCDEF123', LifecycleEventHookExecutionId: 'hook-execution-42' };
const ALB_DNS_NAME = 'internal-my-alb-123456.eu-west-1.elb.amazonaws.com';
const ENI_DESCRIPTION = 'ELB app/my-alb/50dc6c495c0c9188';

const codeDeployMock = mockClient(CodeDeployClient);
const ec2Mock = mockClient(EC2Client);
const ORIGINAL_ENV = process.env;

interface SeenRequest {
  readonly host?: string;
  readonly path?: string;
  readonly servername?: string | false | null;
}

interface TestServer {
  readonly port: number;
  readonly requests: SeenRequest[];
}

const servers: http.Server[] = [];

/** Starts a server on 127.0.0.1 with an ephemeral port; `respond` returns the status code, or undefined to never answer. */
async function startServer(
  respond: (requestNumber: number) => number | undefined,
  tls?: { key: string; cert: string },
): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const listener: http.RequestListener = (req, res) => {
    const servername = req.socket instanceof TLSSocket ? req.socket.servername : undefined;
    requests.push({ host: req.headers.host, path: req.url, servername });
    const status = respond(requests.length);
    if (status !== undefined) res.writeHead(status).end('ok');
  };
  const server = tls ? https.createServer(tls, listener) : http.createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, requests };
}

function setEnv(vars: Record<string, string>) {
  Object.assign(process.env, vars);
}

function reportedInput() {
  const calls = codeDeployMock.commandCalls(PutLifecycleEventHookExecutionStatusCommand);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input;
}

beforeEach(() => {
  process.env = { ...ORIGINAL_ENV };
  for (const name of ['LOAD_BALANCER_ENI_DESCRIPTION', 'EXPECTED_STATUS']) delete process.env[name];
  setEnv({
    TEST_LISTENER_PROTOCOL: 'HTTP',
    LOAD_BALANCER_DNS_NAME: '127.0.0.1',
    HEALTH_CHECK_PATH: '/health',
    ATTEMPTS: '3',
    TIMEOUT_MS: '1000',
    INTERVAL_MS: '10',
  });
  codeDeployMock.reset();
  ec2Mock.reset();
  codeDeployMock.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
});

afterEach(async () => {
  jest.restoreAllMocks();
  process.env = ORIGINAL_ENV;
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  })));
});

describe('handler against a local server', () => {
  test('GIVEN a healthy server WHEN the hook runs THEN every attempt hits the path with the ALB Host header and Succeeded is reported', async () => {
    // GIVEN
    const server = await startServer(() => 200);
    setEnv({ TEST_LISTENER_PORT: String(server.port), ATTEMPTS: '4' });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.status).toBe('Succeeded');
    expect(summary.attempts.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    expect(server.requests).toHaveLength(4);
    expect(server.requests.every((r) => r.host === '127.0.0.1' && r.path === '/health')).toBe(true);
    expect(reportedInput()).toEqual({
      deploymentId: 'd-ABCDEF123',
      lifecycleEventHookExecutionId: 'hook-execution-42',
      status: 'Succeeded',
    });
    // one JSON log line per attempt
    const attemptLogs = jest.mocked(console.log).mock.calls
      .map(([line]) => JSON.parse(String(line)))
      .filter((entry) => entry.attempt !== undefined);
    expect(attemptLogs.map((entry) => entry.attempt)).toEqual([1, 2, 3, 4]);
  });

  test('GIVEN a server answering 500 WHEN the hook runs THEN Failed is reported', async () => {
    // GIVEN
    const server = await startServer(() => 500);
    setEnv({ TEST_LISTENER_PORT: String(server.port) });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.status).toBe('Failed');
    expect(summary.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
    expect(reportedInput()).toMatchObject({ status: 'Failed', deploymentId: EVENT.DeploymentId });
  });

  test('GIVEN a server that never answers WHEN the hook runs THEN each attempt times out and Failed is reported in about TIMEOUT_MS * ATTEMPTS', async () => {
    // GIVEN
    const server = await startServer(() => undefined);
    setEnv({ TEST_LISTENER_PORT: String(server.port), ATTEMPTS: '2', TIMEOUT_MS: '200' });

    // WHEN
    const started = Date.now();
    const summary = await handler(EVENT);
    const elapsed = Date.now() - started;

    // THEN
    expect(summary.status).toBe('Failed');
    expect(summary.attempts).toHaveLength(2);
    for (const attempt of summary.attempts) {
      expect(attempt.statusCode).toBeUndefined();
      expect(attempt.error).toMatch(/timeout/i);
    }
    expect(elapsed).toBeGreaterThanOrEqual(2 * 200 - 20);
    expect(elapsed).toBeLessThan(2 * 200 + 1500);
    expect(reportedInput()).toMatchObject({ status: 'Failed' });
  });

  test('GIVEN a server healthy at first and then 503 WHEN the hook runs THEN Failed is reported because every attempt must pass', async () => {
    // GIVEN
    const server = await startServer((n) => (n <= 2 ? 200 : 503));
    setEnv({ TEST_LISTENER_PORT: String(server.port), ATTEMPTS: '4' });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.attempts.map((a) => a.statusCode)).toEqual([200, 200, 503, 503]);
    expect(summary.status).toBe('Failed');
    expect(reportedInput()).toMatchObject({ status: 'Failed' });
  });

  test('GIVEN EXPECTED_STATUS 200,301-302 and a server answering 301 WHEN the hook runs THEN Succeeded is reported', async () => {
    // GIVEN
    const server = await startServer(() => 301);
    setEnv({ TEST_LISTENER_PORT: String(server.port), EXPECTED_STATUS: '200,301-302' });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.status).toBe('Succeeded');
    expect(reportedInput()).toMatchObject({ status: 'Succeeded' });
  });

  test('GIVEN too little Lambda time left WHEN the hook runs THEN no request is made and Failed is reported', async () => {
    // GIVEN
    const server = await startServer(() => 200);
    setEnv({ TEST_LISTENER_PORT: String(server.port) });

    // WHEN
    const summary = await handler(EVENT, { getRemainingTimeInMillis: () => 1500 });

    // THEN
    expect(summary.status).toBe('Failed');
    expect(summary.attempts[0].error).toMatch(/time budget/);
    expect(server.requests).toHaveLength(0);
    expect(reportedInput()).toMatchObject({ status: 'Failed' });
  });
});

describe('load balancer ENI lookup', () => {
  test('GIVEN LOAD_BALANCER_ENI_DESCRIPTION WHEN the hook runs THEN requests go to the ENI private IP with the ALB DNS name as Host', async () => {
    // GIVEN
    const server = await startServer(() => 200);
    setEnv({ TEST_LISTENER_PORT: String(server.port), LOAD_BALANCER_DNS_NAME: ALB_DNS_NAME, LOAD_BALANCER_ENI_DESCRIPTION: ENI_DESCRIPTION });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ PrivateIpAddress: '127.0.0.1' }] });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.status).toBe('Succeeded');
    expect(server.requests).toHaveLength(3);
    expect(server.requests.every((r) => r.host === ALB_DNS_NAME)).toBe(true);
    const lookups = ec2Mock.commandCalls(DescribeNetworkInterfacesCommand);
    expect(lookups).toHaveLength(1);
    expect(lookups[0].args[0].input.Filters).toEqual([{ Name: 'description', Values: [ENI_DESCRIPTION] }]);
    expect(reportedInput()).toMatchObject({ status: 'Succeeded' });
  });

  test('GIVEN several ENIs WHEN the hook runs THEN attempts are spread round-robin across their IPs', async () => {
    // GIVEN: only 127.0.0.1 has a server, so attempts to 127.0.0.2 fail
    const server = await startServer(() => 200);
    setEnv({
      TEST_LISTENER_PORT: String(server.port),
      LOAD_BALANCER_DNS_NAME: ALB_DNS_NAME,
      LOAD_BALANCER_ENI_DESCRIPTION: ENI_DESCRIPTION,
      TIMEOUT_MS: '300',
    });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [{ PrivateIpAddress: '127.0.0.1' }, { PrivateIpAddress: '127.0.0.2' }],
    });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.attempts.map((a) => a.target)).toEqual(['127.0.0.1', '127.0.0.2', '127.0.0.1']);
    expect(summary.attempts[0].statusCode).toBe(200);
    expect(summary.attempts[1].error).toBeDefined();
    expect(summary.status).toBe('Failed');
  });

  test('GIVEN no matching ENIs WHEN the hook runs THEN Failed is reported with a clear error', async () => {
    // GIVEN
    setEnv({ TEST_LISTENER_PORT: '8080', LOAD_BALANCER_DNS_NAME: ALB_DNS_NAME, LOAD_BALANCER_ENI_DESCRIPTION: ENI_DESCRIPTION });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.status).toBe('Failed');
    expect(summary.error).toMatch(/No network interfaces .*LOAD_BALANCER_ENI_DESCRIPTION/);
    expect(reportedInput()).toMatchObject({ status: 'Failed' });
  });

  test('GIVEN the EC2 lookup rejects WHEN the hook runs THEN Failed is still reported', async () => {
    // GIVEN
    setEnv({ TEST_LISTENER_PORT: '8080', LOAD_BALANCER_ENI_DESCRIPTION: ENI_DESCRIPTION });
    ec2Mock.on(DescribeNetworkInterfacesCommand).rejects(new Error('UnauthorizedOperation'));

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.error).toBe('UnauthorizedOperation');
    expect(reportedInput()).toMatchObject({ status: 'Failed' });
  });
});

describe('HTTPS test listener', () => {
  let tls: { key: string; cert: string };

  beforeAll(() => {
    // openssl makes a throwaway self-signed certificate; .ci/run installs it when missing, so this
    // test never passes without checking anything.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smoke-test-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
        '-subj', '/CN=self-signed.test', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      tls = { key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('GIVEN an HTTPS listener with a certificate not matching the IP WHEN the hook runs THEN it connects with SNI = ALB DNS name and Succeeded is reported', async () => {
    // GIVEN
    const server = await startServer(() => 200, tls);
    setEnv({
      TEST_LISTENER_PROTOCOL: 'HTTPS',
      TEST_LISTENER_PORT: String(server.port),
      LOAD_BALANCER_DNS_NAME: ALB_DNS_NAME,
      LOAD_BALANCER_ENI_DESCRIPTION: ENI_DESCRIPTION,
    });
    ec2Mock.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [{ PrivateIpAddress: '127.0.0.1' }] });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary.status).toBe('Succeeded');
    expect(server.requests).toHaveLength(3);
    expect(server.requests.every((r) => r.servername === ALB_DNS_NAME && r.host === ALB_DNS_NAME)).toBe(true);
  });
});

describe('misconfiguration', () => {
  test('GIVEN ATTEMPTS=abc WHEN the hook runs THEN Failed is still reported and the error names the variable', async () => {
    // GIVEN
    setEnv({ TEST_LISTENER_PORT: '8080', ATTEMPTS: 'abc' });

    // WHEN
    const summary = await handler(EVENT);

    // THEN
    expect(summary).toEqual({ status: 'Failed', attempts: [], error: expect.stringContaining('ATTEMPTS') });
    expect(reportedInput()).toEqual({
      deploymentId: 'd-ABCDEF123',
      lifecycleEventHookExecutionId: 'hook-execution-42',
      status: 'Failed',
    });
  });

  test.each([
    ['TEST_LISTENER_PROTOCOL', 'TCP'],
    ['TEST_LISTENER_PORT', '0'],
    ['TEST_LISTENER_PORT', '80a'],
    ['TEST_LISTENER_PORT', ''],
    ['LOAD_BALANCER_DNS_NAME', ''],
    ['HEALTH_CHECK_PATH', 'health'],
    ['HEALTH_CHECK_PATH', ''],
    ['EXPECTED_STATUS', '2xx'],
    ['ATTEMPTS', '0'],
    ['ATTEMPTS', '1.5'],
    ['TIMEOUT_MS', '-1'],
    ['INTERVAL_MS', 'soon'],
  ])('GIVEN %s=%j WHEN loading the config THEN it throws naming the variable', (name, value) => {
    // GIVEN
    const env = { ...process.env, TEST_LISTENER_PORT: '8080', [name]: value };

    // WHEN / THEN
    expect(() => loadConfig(env)).toThrow(name);
  });

  test('GIVEN only the required variables WHEN loading the config THEN the defaults apply', () => {
    // GIVEN
    const env = { TEST_LISTENER_PROTOCOL: 'https', TEST_LISTENER_PORT: '8443', LOAD_BALANCER_DNS_NAME: ALB_DNS_NAME, HEALTH_CHECK_PATH: '/' };

    // WHEN
    const config = loadConfig(env);

    // THEN
    expect(config).toEqual({
      protocol: 'HTTPS',
      port: 8443,
      dnsName: ALB_DNS_NAME,
      eniDescription: undefined,
      path: '/',
      expectedStatus: [{ min: 200, max: 299 }],
      attempts: 5,
      timeoutMs: 5000,
      intervalMs: 1000,
    });
  });
});

describe('EXPECTED_STATUS parsing', () => {
  test.each([
    ['200', [{ min: 200, max: 200 }]],
    ['200-299', [{ min: 200, max: 299 }]],
    ['200,204,301-302', [{ min: 200, max: 200 }, { min: 204, max: 204 }, { min: 301, max: 302 }]],
    [' 200 , 302 ', [{ min: 200, max: 200 }, { min: 302, max: 302 }]],
  ])('GIVEN %j WHEN parsed THEN it yields %j', (spec, expected) => {
    expect(parseExpectedStatus(spec)).toEqual(expected);
  });

  test.each(['', 'abc', '2xx', '200-', '-200', '299-200', '200,,204', '20', '2000', '99', '600', '200;204'])(
    'GIVEN the invalid spec %j WHEN parsed THEN it throws',
    (spec) => {
      expect(() => parseExpectedStatus(spec)).toThrow(/EXPECTED_STATUS/);
    },
  );

  test.each([
    [200, true],
    [204, true],
    [301, true],
    [302, true],
    [201, false],
    [303, false],
    [undefined, false],
  ])('GIVEN status %j and 200,204,301-302 WHEN matched THEN it is accepted: %j', (code, accepted) => {
    expect(isExpectedStatus(code, parseExpectedStatus('200,204,301-302'))).toBe(accepted);
  });
});

describe('reporting failures', () => {
  test('GIVEN PutLifecycleEventHookExecutionStatus rejects WHEN the hook runs THEN the handler rejects after trying to report', async () => {
    // GIVEN
    const server = await startServer(() => 200);
    setEnv({ TEST_LISTENER_PORT: String(server.port), ATTEMPTS: '1' });
    codeDeployMock.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error('ThrottlingException'));

    // WHEN / THEN
    await expect(handler(EVENT)).rejects.toThrow('ThrottlingException');
    expect(reportedInput()).toMatchObject({ status: 'Succeeded', deploymentId: EVENT.DeploymentId });
  });
});

describe('invoked by ECS (ECS-native engine)', () => {
  const ECS_EVENT = {
    executionId: 'exec-1',
    lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
    resourceArn: 'arn:aws:ecs:eu-west-1:123456789012:service-deployment/cluster/service/abc',
    executionDetails: { testTrafficWeights: {}, productionTrafficWeights: {} },
  };

  test('GIVEN a healthy green version WHEN ECS runs the hook THEN it returns SUCCEEDED and reports nothing to CodeDeploy', async () => {
    const server = await startServer(() => 200);
    setEnv({ TEST_LISTENER_PORT: String(server.port) });
    await expect(handler(ECS_EVENT)).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
    expect(codeDeployMock.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(0);
  });

  test('GIVEN a failing green version WHEN ECS runs the hook THEN it returns FAILED (ECS rolls back)', async () => {
    const server = await startServer(() => 503);
    setEnv({ TEST_LISTENER_PORT: String(server.port) });
    await expect(handler(ECS_EVENT)).resolves.toEqual({ hookStatus: 'FAILED' });
    expect(codeDeployMock.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(0);
  });

  test('GIVEN a misconfigured function WHEN ECS runs the hook THEN it returns FAILED instead of throwing', async () => {
    delete process.env.TEST_LISTENER_PORT;
    await expect(handler(ECS_EVENT)).resolves.toEqual({ hookStatus: 'FAILED' });
  });
});
