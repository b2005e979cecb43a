import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import {
  BlueGreenFargateService, BlueGreenFargateServiceProps, BuiltContainerOptions, EcsCiCdPipeline, EcsCiCdPipelineProps, ImageBuild, PipelineSource,
} from '../src';
import { show } from './support/iam';
import { nagFindings } from './support/nag';
import { appSpecFile, deployEnvironmentVariable, IMAGE_BUILD_SCRIPTS_FOLDER, SHARED_SETTINGS, taskDefinitionFile } from '../src/pipeline/build-contract';
import { builtContainerDockerfile } from '../src/pipeline/build-options';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc';
const SCRIPTS_DIR = path.join(__dirname, '..', ...IMAGE_BUILD_SCRIPTS_FOLDER);
const PROXY: BuiltContainerOptions = { name: 'proxy', buildDirectory: 'proxy', containerPort: 80 };

function service(props: BlueGreenFargateServiceProps): { stack: Stack; svc: BlueGreenFargateService; template: Template } {
  const stack = new Stack(new App(), 'Test', { env: ENV });
  const svc = new BlueGreenFargateService(stack, 'Api', { environmentName: 'api', ...props });
  return { stack, svc, template: Template.fromStack(stack) };
}

function pipeline(props: Partial<EcsCiCdPipelineProps> = {}, env: { account?: string; region?: string } | undefined = ENV) {
  const stack = new Stack(new App(), 'Test', { env });
  const p = new EcsCiCdPipeline(stack, 'Pipeline', {
    source: PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN }),
    environments: [{ name: 'dev' }, { name: 'prod', production: true }],
    ...props,
  });
  return { stack, pipeline: p };
}

/** The image build project's environment variables, values as text (tokens shown as `<LogicalId.Attr>` / `${Ref}`). */
function variablesOf(stack: Stack, imageBuild: ImageBuild): { [name: string]: string } {
  const template = Template.fromStack(stack).toJSON();
  const id = stack.getLogicalId(imageBuild.project.node.defaultChild as any);
  return Object.fromEntries(template.Resources[id].Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, show(v.Value)]));
}

/** The AppSpec the real script writes for `environment` from the project's variables. */
function appSpecOf(variables: { [name: string]: string }, environment: string): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'appspec-'));
  try {
    fs.mkdirSync(path.join(dir, SHARED_SETTINGS.artifactDirectory));
    const run = spawnSync('python3', [path.join(SCRIPTS_DIR, 'image_build.py'), 'render-appspec', environment],
      { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...variables } });
    if (run.status !== 0) { throw new Error(`render-appspec failed: ${run.stderr}`); }
    return JSON.parse(fs.readFileSync(path.join(dir, SHARED_SETTINGS.artifactDirectory, appSpecFile(environment)), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The task definition the real script renders for `environment`: the CDK revision as
 * describe-task-definition would print it (from the template), the build's recorded digests
 * (`digests[0]` the application's, then each additional container's).
 */
function renderedTaskDefinition(stack: Stack, variables: { [name: string]: string }, environment: string, digests: string[]): any {
  const data = JSON.parse(variables[deployEnvironmentVariable(environment)]);
  const logicalId = /^\$\{(.+)\}$/.exec(data.taskDefinitionArn)![1];
  const cfn = Template.fromStack(stack).toJSON().Resources[logicalId].Properties;
  const described = {
    taskDefinition: {
      taskDefinitionArn: data.taskDefinitionArn,
      family: 'shop',
      containerDefinitions: cfn.ContainerDefinitions.map((c: any) => ({
        name: c.Name, image: show(c.Image), ...(c.Command ? { command: c.Command } : {}), ...(c.DockerLabels ? { dockerLabels: c.DockerLabels } : {}),
      })),
    },
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'taskdef-'));
  try {
    fs.cpSync(SCRIPTS_DIR, path.join(dir, 'scripts'), { recursive: true });
    fs.mkdirSync(path.join(dir, SHARED_SETTINGS.artifactDirectory));
    fs.writeFileSync(path.join(dir, 'described.json'), JSON.stringify(described));
    const run = (...args: string[]) => {
      const result = spawnSync('python3', [path.join(dir, 'scripts', 'image_build.py'), ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...variables } });
      if (result.status !== 0) { throw new Error(`${args[0]} failed: ${result.stderr}`); }
    };
    digests.forEach((digest, i) => run('record-image', String(i), digest));
    run('render-taskdef', environment, path.join(dir, 'described.json'));
    return JSON.parse(fs.readFileSync(path.join(dir, SHARED_SETTINGS.artifactDirectory, taskDefinitionFile(environment)), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('additionalContainers in the task definition', () => {
  test('each additional container boots the bootstrap image, logs to the task\'s log group under its own prefix, and is essential by default', () => {
    // GIVEN / WHEN a service with a proxy (port 80) and a worker without a port
    const { stack, svc, template } = service({
      additionalContainers: [PROXY, { name: 'worker', buildDirectory: 'worker', command: ['python', 'worker.py'], essential: false, memoryLimitMiB: 128 }],
    });
    // THEN
    const logGroup = stack.resolve(svc.logGroup.logGroupName);
    const containers = Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition');
    const defs: any[] = Object.values<any>(containers)[0].Properties.ContainerDefinitions;
    expect(defs.map(d => d.Name)).toEqual(['app', 'xray-daemon', 'proxy', 'worker']);
    const proxy = defs.find(d => d.Name === 'proxy');
    expect(proxy).toMatchObject({
      Image: 'public.ecr.aws/docker/library/busybox:stable',
      Essential: true,
      PortMappings: [{ ContainerPort: 80, Protocol: 'tcp' }],
      DockerLabels: { 'cdk-ecs-cicd-pipeline.bootstrap': 'true' },
      LogConfiguration: { LogDriver: 'awslogs', Options: { 'awslogs-group': logGroup, 'awslogs-stream-prefix': 'proxy' } },
    });
    expect(proxy.Command[2]).toContain('httpd -f -v -p 80');
    const worker = defs.find(d => d.Name === 'worker');
    expect(worker).toMatchObject({
      Essential: false,
      Memory: 128,
      Command: ['sh', '-c', 'while true; do sleep 3600; done'],
      DockerLabels: { 'cdk-ecs-cicd-pipeline.bootstrap': 'true', 'cdk-ecs-cicd-pipeline.command': '["python","worker.py"]' },
    });
    expect(worker.PortMappings).toBeUndefined();
    expect(svc.additionalContainers.map(c => c.containerName)).toEqual(['proxy', 'worker']);
    // and the load balancer still targets the application container by default
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerName: 'app', ContainerPort: 8080 })] });
    expect(svc.loadBalancerContainerName).toBe('app');
  });

  test('loadBalancerContainerName points the service, the task security group and the bootstrap health path at that container', () => {
    // GIVEN / WHEN the load balancer targets the proxy
    const { stack, svc, template } = service({ additionalContainers: [PROXY], loadBalancerContainerName: 'proxy', healthCheckPath: '/healthz' });
    // THEN
    template.hasResourceProperties('AWS::ECS::Service', { LoadBalancers: [Match.objectLike({ ContainerName: 'proxy', ContainerPort: 80 })] });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 80, ToPort: 80, IpProtocol: 'tcp' });
    expect(svc.loadBalancerContainerName).toBe('proxy');
    expect(svc.loadBalancerContainerPort).toBe(80);
    const defs: any[] = Object.values<any>(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition'))[0].Properties.ContainerDefinitions;
    expect(defs.find(d => d.Name === 'proxy').Command[2]).toContain("/www/healthz'");
  });

  const bad: Array<[string, BlueGreenFargateServiceProps, RegExp]> = [
    ['duplicate names', { additionalContainers: [PROXY, { ...PROXY, containerPort: 81 }] },
      /additionalContainers\[1\]\.name \('proxy'\) is also additionalContainers\[0\]\.name; names must be unique/],
    ['the application\'s name', { additionalContainers: [{ ...PROXY, name: 'app' }] }, /additionalContainers\[0\]\.name \('app'\) is taken by the application container/],
    ['the X-Ray sidecar\'s name', { additionalContainers: [{ ...PROXY, name: 'xray-daemon' }] }, /additionalContainers\[0\]\.name \('xray-daemon'\) is taken by the X-Ray sidecar/],
    ['an invalid name', { additionalContainers: [{ ...PROXY, name: '1proxy!' }] }, /additionalContainers\[0\]\.name \('1proxy!'\) must be 1-64 letters/],
    ['the application\'s port', { additionalContainers: [{ ...PROXY, containerPort: 8080 }] },
      /additionalContainers\[0\]\.containerPort \(8080\) is already used by containerPort \(the application container 'app'\)/],
    ['the X-Ray port', { additionalContainers: [{ ...PROXY, containerPort: 2000 }] }, /additionalContainers\[0\]\.containerPort \(2000\) is already used by the X-Ray daemon sidecar/],
    ['an invalid port', { additionalContainers: [{ ...PROXY, containerPort: 70000 }] }, /additionalContainers\[0\]\.containerPort \(70000\) must be an integer between 1 and 65535/],
    ['more CPU than the task', { additionalContainers: [{ ...PROXY, cpu: 512 }] }, /additionalContainers\[0\]\.cpu \(512\) must be an integer between 0 and 256/],
    ['more memory than the task', { additionalContainers: [{ ...PROXY, memoryLimitMiB: 1024 }] }, /additionalContainers\[0\]\.memoryLimitMiB \(1024\) must be an integer between 6 and 512/],
    ['more memory in total than the task (the X-Ray sidecar reserves 256 MiB)', { additionalContainers: [{ ...PROXY, memoryLimitMiB: 512 }] },
      /^additionalContainers\[0\]\.memoryLimitMiB \(512\) \+ the X-Ray sidecar's 256 = 768 MiB exceeds the task's memoryLimitMiB \(512\): on Fargate the containers' memory together must fit the task's/],
    ['more CPU in total than the task', { additionalContainers: [{ ...PROXY, cpu: 128 }, { name: 'worker', buildDirectory: 'worker', cpu: 128 }] },
      /^additionalContainers\[0\]\.cpu \(128\) \+ additionalContainers\[1\]\.cpu \(128\) \+ the X-Ray sidecar's 32 = 288 CPU units exceeds the task's cpu \(256\)/],
    ['an unknown load-balanced container', { additionalContainers: [PROXY], loadBalancerContainerName: 'nginx' },
      /loadBalancerContainerName \('nginx'\) must name the application container \('app'\) or one of additionalContainers \('proxy'\)/],
    ['a load-balanced container without a port', { additionalContainers: [{ name: 'proxy', buildDirectory: 'proxy' }], loadBalancerContainerName: 'proxy' },
      /loadBalancerContainerName \('proxy'\) names a container without containerPort/],
  ];
  test.each(bad)('rejects %s, naming the prop', (_, props, message) => {
    expect(() => service(props)).toThrow(message);
  });
});

describe('additionalContainers and the task size', () => {
  test('containers whose CPU and memory together fit the task are accepted, the sidecar counted only when it runs', () => {
    // GIVEN / WHEN / THEN with the X-Ray sidecar (32 CPU, 256 MiB reserved): 224 + 32 = 256, 256 + 256 = 512
    expect(() => service({ additionalContainers: [{ ...PROXY, cpu: 224, memoryLimitMiB: 256 }] })).not.toThrow();
    // without it, the whole task is the container's
    expect(() => service({ additionalContainers: [{ ...PROXY, cpu: 256, memoryLimitMiB: 512 }], xray: false })).not.toThrow();
    // a bigger task makes room
    expect(() => service({ additionalContainers: [{ ...PROXY, memoryLimitMiB: 512 }], cpu: 512, memoryLimitMiB: 1024 })).not.toThrow();
  });

  test('in a pipeline the message names the environment\'s props', () => {
    expect(() => pipeline({ additionalContainers: [{ ...PROXY, memoryLimitMiB: 512 }] }))
      .toThrow(/additionalContainers\[0\]\.memoryLimitMiB \(512\) \+ the X-Ray sidecar's 256 = 768 MiB exceeds the task's .*memoryLimitMiB \(512\)/);
  });
});

describe('additionalContainers in the pipeline', () => {
  test('the image build receives each container\'s build settings (Dockerfile in its build directory by default), and the AppSpec follows loadBalancerContainerName', () => {
    // GIVEN / WHEN a pipeline whose load balancer targets a proxy built from proxy/
    const { stack, pipeline: p } = pipeline({
      additionalContainers: [PROXY, { name: 'cron', buildDirectory: '.', dockerfile: 'cron.Dockerfile', buildArgs: { MODE: 'cron' } }],
      loadBalancerContainerName: 'proxy',
    });
    const variables = variablesOf(stack, p.imageBuild);
    // THEN
    expect(JSON.parse(variables.IMAGE_BUILD_SETTINGS).additionalContainers).toEqual([
      { name: 'proxy', dockerfile: 'proxy/Dockerfile', buildDirectory: 'proxy', buildArgs: {} },
      { name: 'cron', dockerfile: 'cron.Dockerfile', buildDirectory: '.', buildArgs: { MODE: 'cron' } },
    ]);
    expect(appSpecOf(variables, 'prod').Resources[0].TargetService.Properties.LoadBalancerInfo).toEqual({ ContainerName: 'proxy', ContainerPort: 80 });
    // every environment's task definition has both containers
    for (const env of p.environments) {
      expect(env.additionalContainers.map(c => c.containerName)).toEqual(['proxy', 'cron']);
    }
  });

  test.each([
    ['.', undefined, 'Dockerfile'],
    ['proxy/', undefined, 'proxy/Dockerfile'],
    ['proxy', undefined, 'proxy/Dockerfile'],
    ['proxy', 'docker/proxy.Dockerfile', 'docker/proxy.Dockerfile'],
  ])('the Dockerfile of buildDirectory %j (dockerfile %j) is %j', (buildDirectory, dockerfile, expected) => {
    expect(builtContainerDockerfile({ name: 'proxy', buildDirectory, dockerfile })).toBe(expected);
  });

  test('without additional containers the settings carry no additionalContainers key (unchanged templates)', () => {
    const { stack, pipeline: p } = pipeline();
    expect(JSON.parse(variablesOf(stack, p.imageBuild).IMAGE_BUILD_SETTINGS)).not.toHaveProperty('additionalContainers');
  });

  const bad: Array<[string, Partial<EcsCiCdPipelineProps>, RegExp]> = [
    ['a build directory outside the repository', { additionalContainers: [{ ...PROXY, buildDirectory: '../proxy' }] },
      /additionalContainers\[0\]\.buildDirectory \('\.\.\/proxy'\) must be a path relative to the repository root/],
    ['an empty build directory', { additionalContainers: [{ ...PROXY, buildDirectory: '' }] }, /additionalContainers\[0\]\.buildDirectory \(''\) must be a path relative/],
    ['an absolute Dockerfile path', { additionalContainers: [{ ...PROXY, dockerfile: '/etc/Dockerfile' }] },
      /additionalContainers\[0\]\.dockerfile \('\/etc\/Dockerfile'\) must be a path relative to the repository root/],
    ['an invalid build argument', { additionalContainers: [{ ...PROXY, buildArgs: { '1X': 'y' } }] }, /additionalContainers\[0\]\.buildArgs\['1X'\] \('1X'\) must be a build argument name/],
    ['a duplicate name', { additionalContainers: [PROXY, PROXY] }, /additionalContainers\[1\]\.name \('proxy'\) is also additionalContainers\[0\]\.name/],
  ];
  test.each(bad)('rejects %s, naming the prop', (_, props, message) => {
    expect(() => pipeline(props)).toThrow(message);
  });

  test('an ImageBuild whose environments lack an additional container fails at synth, naming it', () => {
    // GIVEN a service without the proxy
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const svc = new BlueGreenFargateService(stack, 'Api', { environmentName: 'api' });
    const repository = new ecr.Repository(stack, 'Repository');
    // WHEN / THEN
    expect(() => new ImageBuild(stack, 'ImageBuild', { repository, environments: [svc], additionalContainers: [PROXY] }))
      .toThrow(/additionalContainers\[0\]\.name \('proxy'\): environments\[0\] \('api'\) has no container of that name/);
  });

  test.each([
    ['app', /^additionalContainers\[1\]\.name \('app'\) is taken by the application container of environments\[0\] \('api'\); it must differ from 'app', 'xray-daemon'$/],
    ['xray-daemon', /^additionalContainers\[1\]\.name \('xray-daemon'\) is taken by the X-Ray sidecar; it must differ from 'app', 'xray-daemon'$/],
  ])('an ImageBuild additional container named %s (a container the build must not overwrite) fails at synth, naming the prop', (name, message) => {
    // GIVEN a service with the proxy (its task definition also holds 'app' and 'xray-daemon')
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const svc = new BlueGreenFargateService(stack, 'Api', { environmentName: 'api', additionalContainers: [PROXY] });
    const repository = new ecr.Repository(stack, 'Repository');
    // WHEN / THEN the build would write the container's digest over that container's image
    expect(() => new ImageBuild(stack, 'ImageBuild', { repository, environments: [svc], additionalContainers: [PROXY, { name, buildDirectory: 'x' }] }))
      .toThrow(message);
  });

  test('an ImageBuild with an invalid or duplicate additional container name fails at synth, naming the prop', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const svc = new BlueGreenFargateService(stack, 'Api', { environmentName: 'api', additionalContainers: [PROXY] });
    const repository = new ecr.Repository(stack, 'Repository');
    // WHEN / THEN
    expect(() => new ImageBuild(stack, 'ImageBuild', { repository, environments: [svc], additionalContainers: [PROXY, PROXY] }))
      .toThrow(/^additionalContainers\[1\]\.name \('proxy'\) is also additionalContainers\[0\]\.name; names must be unique$/);
    expect(() => new ImageBuild(stack, 'ImageBuild2', { repository, environments: [svc], additionalContainers: [{ ...PROXY, name: 'pro xy' }] }))
      .toThrow(/^additionalContainers\[0\]\.name \('pro xy'\) must be 1-64 letters, digits, hyphens or underscores, starting with a letter$/);
  });

  test('an ImageBuild that does not build a service\'s additional container fails at synth, naming it and additionalContainers', () => {
    // GIVEN a service with the proxy and a worker
    const stack = new Stack(new App(), 'Test', { env: ENV });
    const svc = new BlueGreenFargateService(stack, 'Api', { environmentName: 'api', additionalContainers: [PROXY, { name: 'worker', buildDirectory: 'worker' }] });
    const repository = new ecr.Repository(stack, 'Repository');
    // WHEN / THEN an image build without them (or without one) would leave the bootstrap image deployed
    expect(() => new ImageBuild(stack, 'ImageBuild', { repository, environments: [svc] }))
      .toThrow(/^environments\[0\] \('api'\) has additionalContainers 'proxy', 'worker' that the image build's additionalContainers \(none\) do not build/);
    expect(() => new ImageBuild(stack, 'ImageBuild2', { repository, environments: [svc], additionalContainers: [PROXY] }))
      .toThrow(/^environments\[0\] \('api'\) has additionalContainers 'worker' that the image build's additionalContainers \('proxy'\) do not build/);
  });

  test('cdk-nag stays clean with additional containers and a load-balanced proxy', () => {
    // GIVEN (env-agnostic, like the example app the acknowledgements are written for)
    const { stack } = pipeline({
      additionalContainers: [PROXY, { name: 'worker', buildDirectory: 'worker', secrets: undefined }],
      loadBalancerContainerName: 'proxy',
    }, undefined);
    // WHEN / THEN
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('additionalContainers and the CodeDeploy ECS action', () => {
  test('more than three additional containers deploy with CodeDeploy: the action takes the app\'s image only, the others are digests in the task definition', () => {
    // GIVEN / WHEN a CodeDeploy pipeline with four additional containers (one more than the action's four image inputs could carry with the app)
    const containers = ['a', 'b', 'c', 'd'].map(name => ({ name: `side${name}`, buildDirectory: name }));
    const { stack, pipeline: built } = pipeline({ additionalContainers: containers });
    // THEN each deploy action has one image input (the build output's imageDetail.json, placeholder IMAGE1_NAME)
    const p = Object.values<any>(Template.fromStack(stack).findResources('AWS::CodePipeline::Pipeline'))[0];
    const deploys = p.Properties.Stages.flatMap((s: any) => s.Actions).filter((a: any) => a.ActionTypeId.Provider === 'CodeDeployToECS');
    expect(deploys).toHaveLength(2);
    for (const action of deploys) {
      expect(action.Configuration).toMatchObject({ Image1ContainerName: 'IMAGE1_NAME' });
      expect(action.Configuration).not.toHaveProperty('Image2ArtifactName');
    }
    // and the build builds all four, and writes each one's digest into the task definition
    const variables = variablesOf(stack, built.imageBuild);
    expect(JSON.parse(variables.IMAGE_BUILD_SETTINGS).additionalContainers.map((c: any) => c.name)).toEqual(['sidea', 'sideb', 'sidec', 'sided']);
    const digests = ['app', ...containers.map(c => c.name)].map((_, i) => `${ENV.account}.dkr.ecr.eu-west-1.amazonaws.com/shop@sha256:${String(i).repeat(64)}`);
    const taskdef = renderedTaskDefinition(stack, variables, 'dev', digests);
    const images = Object.fromEntries(taskdef.containerDefinitions.map((c: any) => [c.name, c.image]));
    expect(images).toEqual({
      'app': '<IMAGE1_NAME>',
      'xray-daemon': expect.stringMatching(/aws-xray-daemon/),
      'sidea': digests[1],
      'sideb': digests[2],
      'sidec': digests[3],
      'sided': digests[4],
    });
    expect(taskdef.containerDefinitions.filter((c: any) => c.dockerLabels)).toEqual([]);
  });

  test('more containers than a task definition holds are rejected, naming additionalContainers', () => {
    // GIVEN nine additional containers (with the app and the X-Ray sidecar: 11 > 10)
    const containers = Array.from({ length: 9 }, (_, i) => ({ name: `side${i}`, buildDirectory: `side${i}` }));
    // WHEN / THEN
    expect(() => service({ additionalContainers: containers }))
      .toThrow(/^additionalContainers \(9\) is too many: a task definition holds at most 10 containers and the application and the X-Ray sidecar take 2, so at most 8 more are allowed$/);
    expect(() => service({ additionalContainers: containers, xray: false })).not.toThrow();
  });
});
