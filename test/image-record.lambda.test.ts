/**
 * The ECS-native drift guard's function, executed against a local moto server (ECS, SSM) and a
 * local HTTP server standing in for CloudFormation's response URL.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CreateClusterCommand, CreateServiceCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
// The handler creates its SDK clients on first use, after beforeAll has pointed them at moto.
import { CustomResourceEvent, handler } from '../src/blue-green/ecs-native/image-record.lambda';

const BOOTSTRAP = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-eu-west-1:bootstrap';
const DIGEST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:' + 'd'.repeat(64);
const PARAMETER = '/cdk-ecs-cicd-pipeline/Delivery/DeliveryShopEnvdevImageRecordABCD1234';

let moto: ChildProcess;
let endpoint: string;
let ecs: ECSClient;
let ssm: SSMClient;
const ORIGINAL_ENV = process.env;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => http.get(url, (r) => { r.resume(); resolve(true); }).on('error', () => resolve(false)));
    if (up) { return; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${url}`);
}

beforeAll(async () => {
  if (spawnSync('moto_server', ['--help']).status !== 0) {
    throw new Error('moto_server (moto 5, preinstalled on the machine image) is required for this test');
  }
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitFor(`${endpoint}/moto-api/`);
  process.env = {
    ...ORIGINAL_ENV,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
  ecs = new ECSClient({});
  ssm = new SSMClient({});
}, 60_000);

afterAll(() => {
  moto?.kill();
  process.env = ORIGINAL_ENV;
});

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => undefined));
afterEach(() => jest.restoreAllMocks());

/** A service whose task definition runs `image` as `app` (and the X-Ray sidecar). */
async function service(name: string, image: string): Promise<{ ClusterArn: string; ServiceArn: string }> {
  const cluster = await ecs.send(new CreateClusterCommand({ clusterName: `cluster-${name}` }));
  const taskDefinition = await registerRevision(name, image);
  const created = await ecs.send(new CreateServiceCommand({
    cluster: cluster.cluster!.clusterArn, serviceName: name, taskDefinition, desiredCount: 1, launchType: 'FARGATE',
  }));
  return { ClusterArn: cluster.cluster!.clusterArn!, ServiceArn: created.service!.serviceArn! };
}

async function registerRevision(family: string, image: string): Promise<string> {
  const registered = await ecs.send(new RegisterTaskDefinitionCommand({
    family,
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      { name: 'app', image, essential: true, command: ['python', 'app.py'] },
      { name: 'xray-daemon', image: 'public.ecr.aws/xray/aws-xray-daemon:3.6.6', essential: true },
    ],
  }));
  return registered.taskDefinition!.taskDefinitionArn!;
}

async function recorded(parameterName: string): Promise<unknown> {
  try {
    return JSON.parse((await ssm.send(new GetParameterCommand({ Name: parameterName }))).Parameter!.Value!);
  } catch (err) {
    if ((err as Error).name === 'ParameterNotFound') { return undefined; }
    throw err;
  }
}

/** Runs the custom resource handler and returns what it PUT to the response URL. */
async function customResource(requestType: CustomResourceEvent['RequestType'], parameterName: string): Promise<any> {
  let body = '';
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { res.end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    await handler({
      RequestType: requestType,
      ResponseURL: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/response?signed`,
      StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Delivery/1',
      RequestId: 'request-1',
      LogicalResourceId: 'ShopEnvdevImageRecord',
      PhysicalResourceId: requestType === 'Create' ? undefined : parameterName,
      ResourceProperties: { ParameterName: parameterName, Defaults: JSON.stringify({ app: BOOTSTRAP }) },
    });
  } finally {
    server.close();
  }
  return JSON.parse(body);
}

describe('drift guard: recording and reading the deployed image', () => {
  test('GIVEN nothing deployed yet WHEN CloudFormation creates the record THEN the task definition gets the bootstrap image', async () => {
    const response = await customResource('Create', `${PARAMETER}-fresh`);
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${PARAMETER}-fresh`, RequestId: 'request-1', LogicalResourceId: 'ShopEnvdevImageRecord' });
    expect(response.Data).toEqual({ 'Image.app': BOOTSTRAP, 'Recorded': 'false' });
  });

  test('GIVEN the service still runs the bootstrap image WHEN its deployment completes THEN nothing is recorded', async () => {
    const svc = await service('bootstrapped', BOOTSTRAP);
    await handler({ RecordImage: { ParameterName: `${PARAMETER}-bootstrapped`, ...svc, Defaults: { app: BOOTSTRAP } } });
    expect(await recorded(`${PARAMETER}-bootstrapped`)).toBeUndefined();
  });

  test('GIVEN the pipeline deployed digest D WHEN the deployment completes and later CloudFormation updates the task definition THEN it gets D, not the bootstrap image', async () => {
    // GIVEN the service created with the bootstrap image, then deployed to D by the pipeline
    const svc = await service('promoted', BOOTSTRAP);
    const pipelineRevision = await registerRevision('promoted', DIGEST);
    await ecs.send(new UpdateServiceCommand({ cluster: svc.ClusterArn, service: svc.ServiceArn, taskDefinition: pipelineRevision }));

    // WHEN ECS reports the deployment complete (the EventBridge rule's input)
    await handler({ RecordImage: { ParameterName: PARAMETER, ...svc, Defaults: { app: BOOTSTRAP } } });

    // THEN D is recorded (the sidecar is not the pipeline's)
    expect(await recorded(PARAMETER)).toEqual({ images: { app: DIGEST } });
    // AND a later `cdk deploy` that changes the task definition (fingerprint changed -> Update) reads D
    const response = await customResource('Update', PARAMETER);
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data).toEqual({ 'Image.app': DIGEST, 'Recorded': 'true' });
  });

  test('GIVEN a record WHEN the stack deletes the custom resource THEN the parameter is removed (and a second delete still succeeds)', async () => {
    const svc = await service('deleted', BOOTSTRAP);
    await ecs.send(new UpdateServiceCommand({ cluster: svc.ClusterArn, service: svc.ServiceArn, taskDefinition: await registerRevision('deleted', DIGEST) }));
    await handler({ RecordImage: { ParameterName: `${PARAMETER}-deleted`, ...svc, Defaults: { app: BOOTSTRAP } } });
    expect(await recorded(`${PARAMETER}-deleted`)).toBeDefined();

    expect((await customResource('Delete', `${PARAMETER}-deleted`)).Status).toBe('SUCCESS');
    expect(await recorded(`${PARAMETER}-deleted`)).toBeUndefined();
    expect((await customResource('Delete', `${PARAMETER}-deleted`)).Status).toBe('SUCCESS');
  });

  test('GIVEN an unreadable record WHEN CloudFormation asks THEN it answers FAILED with the reason (the stack update stops instead of deploying a guess)', async () => {
    await ssm.send(new PutParameterCommand({ Name: `${PARAMETER}-corrupt`, Value: 'not json', Type: 'String' }));
    const response = await customResource('Update', `${PARAMETER}-corrupt`);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/JSON/);
  });

  test('GIVEN a service that does not exist WHEN a completion event arrives THEN the recorder fails (EventBridge retries)', async () => {
    const cluster = await ecs.send(new CreateClusterCommand({ clusterName: 'empty' }));
    await expect(handler({
      RecordImage: { ParameterName: `${PARAMETER}-missing`, ClusterArn: cluster.cluster!.clusterArn!, ServiceArn: 'missing', Defaults: { app: BOOTSTRAP } },
    })).rejects.toThrow(/not found/);
  });
});

describe('command-less bootstrap image', () => {
  const SCRIPT = path.join(__dirname, '..', 'build-scripts', 'bootstrap-image', 'bootstrap.sh');

  test.each([
    ['/health', 'www/health'],
    ['/', 'www/index.html'],
    ['/status/', 'www/status/index.html'],
  ])('GIVEN health check path %s THEN the image serves "ok" there on the build-time port, ignoring the task definition\'s command', (healthPath, page) => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bootstrap-'));
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'bin-'));
    fs.writeFileSync(path.join(bin, 'httpd'), '#!/bin/sh\necho "httpd $*"\n', { mode: 0o755 });
    const env = { ...process.env, BOOTSTRAP_ROOT: root, PATH: `${bin}:${process.env.PATH}` };

    // WHEN the image is built (RUN) and a task starts it with the application's command as arguments (ENTRYPOINT)
    expect(spawnSync('sh', [SCRIPT, '--prepare', '8080', healthPath], { env }).status).toBe(0);
    const served = spawnSync('sh', [SCRIPT, '--serve', 'python', 'app.py'], { env, encoding: 'utf8' });

    // THEN
    expect(fs.readFileSync(path.join(root, page), 'utf8')).toBe('ok\n');
    expect(served.stdout.trim()).toBe(`httpd -f -v -p 8080 -h ${root}/www`);
  });
});
