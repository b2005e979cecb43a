import * as fs from 'fs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  BlueGreenDeployment, BlueGreenFargateService, BlueGreenFargateServiceProps, EcsCiCdPipeline, EnvironmentOptions, PipelineSource, TrafficShifting,
} from '../src';
import { nagFindings } from './support/nag';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const source = () => PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc' });

function serviceStack(props: BlueGreenFargateServiceProps = {}): { stack: Stack; service: BlueGreenFargateService } {
  const stack = new Stack(new App(), 'Native', { env: ENV });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const service = new BlueGreenFargateService(stack, 'Api', { vpc, blueGreen: BlueGreenDeployment.ecsNative(), ...props });
  return { stack, service };
}

function pipelineStack(environments: EnvironmentOptions[], blueGreen?: BlueGreenDeployment): Template {
  const stack = new Stack(new App(), 'Delivery', { env: ENV });
  new EcsCiCdPipeline(stack, 'Shop', { source: source(), blueGreen, environments });
  return Template.fromStack(stack);
}

function deployAction(template: Template, environment: string): any {
  const pipeline = Object.values<any>(template.findResources('AWS::CodePipeline::Pipeline'))[0];
  return pipeline.Properties.Stages.find((s: any) => s.Name === `Deploy-${environment}`).Actions.find((a: any) => a.Name === 'Deploy');
}

function only(template: Template, type: string): any {
  const found = Object.values<any>(template.findResources(type));
  expect(found).toHaveLength(1);
  return found[0].Properties;
}

describe('ECS-native service', () => {
  test('GIVEN ecsNative() THEN the ECS controller runs BLUE_GREEN with circuit breaker, alarms with rollback, a 4-minute bake time, no CodeDeploy', () => {
    const template = Template.fromStack(serviceStack().stack);
    const service = only(template, 'AWS::ECS::Service');
    expect(service.DeploymentController).toEqual({ Type: 'ECS' });
    expect(service.DeploymentConfiguration).toMatchObject({
      Strategy: 'BLUE_GREEN',
      BakeTimeInMinutes: 4,
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      Alarms: { Enable: true, Rollback: true },
    });
    expect(service.DeploymentConfiguration.Alarms.AlarmNames).toHaveLength(5);
    expect(service.DesiredCount).toBeUndefined();
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 0);
    template.resourceCountIs('AWS::CodeDeploy::Application', 0);
  });

  test('GIVEN ecsNative({ bakeTime }) THEN it overrides the environment\'s termination wait', () => {
    const blueGreen = BlueGreenDeployment.ecsNative({ bakeTime: Duration.minutes(2) });
    const { stack } = serviceStack({ blueGreen, terminationWaitTime: Duration.minutes(9) });
    expect(only(Template.fromStack(stack), 'AWS::ECS::Service').DeploymentConfiguration.BakeTimeInMinutes).toBe(2);
  });

  test('GIVEN canary and linear traffic shifting THEN ECS gets CANARY and LINEAR with their steps', () => {
    const canary = only(Template.fromStack(serviceStack({ trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)) }).stack), 'AWS::ECS::Service');
    expect(canary.DeploymentConfiguration).toMatchObject({ Strategy: 'CANARY', CanaryConfiguration: { CanaryPercent: 10, CanaryBakeTimeInMinutes: 5 } });
    const linear = only(Template.fromStack(serviceStack({ trafficShifting: TrafficShifting.linear(25, Duration.minutes(2)) }).stack), 'AWS::ECS::Service');
    expect(linear.DeploymentConfiguration).toMatchObject({ Strategy: 'LINEAR', LinearConfiguration: { StepPercent: 25, StepBakeTimeInMinutes: 2 } });
  });

  test('GIVEN the load balancer pair THEN ECS shifts between the two target groups with one listener rule per listener', () => {
    const template = Template.fromStack(serviceStack().stack);
    const service = only(template, 'AWS::ECS::Service');
    expect(service.LoadBalancers).toEqual([{
      ContainerName: 'app',
      ContainerPort: 8080,
      TargetGroupArn: { Ref: expect.stringMatching('ApiBlueTargetGroup') },
      AdvancedConfiguration: {
        AlternateTargetGroupArn: { Ref: expect.stringMatching('ApiGreenTargetGroup') },
        ProductionListenerRule: { Ref: expect.stringMatching('ApiProductionListenerRule') },
        TestListenerRule: { Ref: expect.stringMatching('ApiTestListenerRule') },
        RoleArn: { 'Fn::GetAtt': [expect.stringMatching('ApiLoadBalancerRole'), 'Arn'] },
      },
    }]);
    const rules = Object.values<any>(template.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')).map(r => r.Properties);
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.Priority).toBe(1);
      expect(rule.Conditions).toEqual([{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }]);
      expect(rule.Actions[0].ForwardConfig.TargetGroups).toEqual([
        { TargetGroupArn: { Ref: expect.stringMatching('ApiBlueTargetGroup') }, Weight: 100 },
        { TargetGroupArn: { Ref: expect.stringMatching('ApiGreenTargetGroup') }, Weight: 0 },
      ]);
    }
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'ecs.amazonaws.com' } })] }),
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers']] }],
    });
  });

  test('GIVEN the smoke test and user hooks THEN they run at their ECS lifecycle stages, invoked by one role limited to them', () => {
    const stack = new Stack(new App(), 'Hooks', { env: ENV });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>({hookStatus:"SUCCEEDED"})') });
    new BlueGreenFargateService(stack, 'Api', {
      vpc,
      blueGreen: BlueGreenDeployment.ecsNative(),
      hooks: { beforeInstall: fn('Pre'), afterInstall: fn('Post'), beforeAllowTraffic: fn('Before'), afterAllowTraffic: fn('After') },
    });
    const template = Template.fromStack(stack);
    const hooks = only(template, 'AWS::ECS::Service').DeploymentConfiguration.LifecycleHooks;
    expect(hooks.map((h: any) => [h.HookTargetArn['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, ''), h.LifecycleStages])).toEqual([
      ['Pre', ['PRE_SCALE_UP']],
      ['Post', ['POST_SCALE_UP']],
      ['ApiSmokeTestFunction', ['POST_TEST_TRAFFIC_SHIFT']],
      ['Before', ['PRODUCTION_TRAFFIC_SHIFT']],
      ['After', ['POST_PRODUCTION_TRAFFIC_SHIFT']],
    ]);
    expect(new Set(hooks.map((h: any) => JSON.stringify(h.RoleArn))).size).toBe(1);
    const policies = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .filter(p => JSON.stringify(p.Properties.Roles).includes('ApiLifecycleHookRole'));
    const invoked = policies.flatMap(p => p.Properties.PolicyDocument.Statement).flatMap((s: any) => [s.Resource].flat());
    expect(invoked).toHaveLength(5);
    expect(JSON.stringify(invoked)).not.toContain(':*');
  });

  test('GIVEN no image THEN the app starts with the command-less bootstrap image asset, its image is read from the record, and no bootstrap command is set', () => {
    const template = Template.fromStack(serviceStack({ command: ['python', 'app.py'] }).stack);
    const app = only(template, 'AWS::ECS::TaskDefinition').ContainerDefinitions.find((c: any) => c.Name === 'app');
    expect(app.Image).toEqual({ 'Fn::GetAtt': [expect.stringMatching('ApiImageRecord'), 'Image.app'] });
    // The real command from the start: every revision the pipeline registers inherits it.
    expect(app.Command).toEqual(['python', 'app.py']);
    expect(app.DockerLabels).toBeUndefined();
    const record = only(template, 'Custom::EcsImageRecord');
    expect(record.ParameterName).toMatch(/^\/cdk-ecs-cicd-pipeline\/Native\/NativeApiImageRecord[0-9A-F]{8}$/);
    expect(JSON.stringify(record.Defaults)).toContain('cdk-hnb659fds-container-assets-123456789012-eu-west-1');
  });

  test('GIVEN an image THEN the service runs it as given and there is no record', () => {
    const { stack } = serviceStack({ image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'), containerPort: 80 });
    const template = Template.fromStack(stack);
    template.resourceCountIs('Custom::EcsImageRecord', 0);
    expect(only(template, 'AWS::ECS::TaskDefinition').ContainerDefinitions[0].Image).toBe('public.ecr.aws/nginx/nginx:stable');
  });

  test.each([
    ['linear 2%', { trafficShifting: TrafficShifting.linear(2, Duration.minutes(1)) }, /trafficShifting \(linear 2% every 1 minute\): ECS's LINEAR strategy moves at least 3% per step/],
    ['a 50-minute canary', { trafficShifting: TrafficShifting.canary(10, Duration.minutes(50)) },
      /trafficShifting \(canary 10% then the rest after 50 minutes\) and terminationWaitTime \(4 minutes\) needs about 69 minutes .* waits at most 60/],
    ['a deployment longer than the action waits', { trafficShifting: TrafficShifting.linear(10, Duration.minutes(5)) }, /needs about 64 minutes .* waits at most 60/],
    ['a default bake time over 45 minutes', { terminationWaitTime: Duration.minutes(46) },
      /terminationWaitTime \(46 minutes\) is the ECS-native engine's bake time, which can be at most 45 minutes .*: set BlueGreenDeployment.ecsNative\(bakeTime\) \(0-45 minutes\) or a shorter terminationWaitTime/],
  ])('GIVEN %s THEN synth fails naming the prop', (_name, props, message) => {
    expect(() => serviceStack(props as BlueGreenFargateServiceProps)).toThrow(message);
  });

  test.each([
    ['46 minutes', Duration.minutes(46), '46 minutes'],
    ['2 hours', Duration.minutes(120), '2 hours'],
  ])('GIVEN a bakeTime of %s THEN ecsNative() fails at once, naming it, the value and the range the ECS action allows', (_name, bakeTime, shown) => {
    expect(() => BlueGreenDeployment.ecsNative({ bakeTime })).toThrow(
      `BlueGreenDeployment.ecsNative(bakeTime) (${shown}) must be 0-45 minutes: shift time + bake time + 15 minutes must fit the ECS deploy action's 60 minutes`);
  });

  test('GIVEN an invalid bakeTime THEN ecsNative() fails naming it', () => {
    expect(() => BlueGreenDeployment.ecsNative({ bakeTime: Duration.seconds(90) })).toThrow(/BlueGreenDeployment.ecsNative\(bakeTime\)/);
  });

  test('GIVEN a 45-minute bakeTime THEN an all-at-once deployment synthesizes with it and the action waits 60 minutes', () => {
    const template = pipelineStack([{ name: 'dev', blueGreen: BlueGreenDeployment.ecsNative({ bakeTime: Duration.minutes(45) }) }]);
    expect(only(template, 'AWS::ECS::Service').DeploymentConfiguration.BakeTimeInMinutes).toBe(45);
    expect(deployAction(template, 'dev').Configuration.DeploymentTimeout).toBe(60);
  });

  test('GIVEN a 45-minute bakeTime with a canary THEN synth fails naming the engine\'s bakeTime, not terminationWaitTime', () => {
    expect(() => serviceStack({
      blueGreen: BlueGreenDeployment.ecsNative({ bakeTime: Duration.minutes(45) }),
      trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
    })).toThrow(/and BlueGreenDeployment.ecsNative\(bakeTime\) \(45 minutes\) needs about 65 minutes/);
  });

  test('GIVEN a production environment THEN the ECS-native bake time defaults to 5 minutes, like the CodeDeploy termination wait', () => {
    const { stack } = serviceStack({ production: true });
    expect(only(Template.fromStack(stack), 'AWS::ECS::Service').DeploymentConfiguration.BakeTimeInMinutes).toBe(5);
  });

  test('GIVEN native mode in a stack with env THEN cdk-nag 2 reports nothing unsuppressed', () => {
    const stack = new Stack(new App(), 'Nag', { env: ENV });
    new EcsCiCdPipeline(stack, 'Shop', {
      source: source(),
      blueGreen: BlueGreenDeployment.ecsNative(),
      environments: [{ name: 'dev' }, { name: 'prod', production: true, trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)) }],
    });
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('pipelines with ECS-native environments', () => {
  test.each([
    ['first', 0], ['middle', 1], ['last', 2],
  ])('GIVEN the native environment %s among CodeDeploy ones THEN it deploys with the ECS action from its imagedefinitions file and the others with CodeDeploy', (_where, index) => {
    const names = ['dev', 'staging', 'prod'];
    const environments: EnvironmentOptions[] = names.map((name, i) => ({
      name,
      production: name === 'prod',
      blueGreen: i === index ? BlueGreenDeployment.ecsNative() : undefined,
    }));
    const template = pipelineStack(environments);
    names.forEach((name, i) => {
      const action = deployAction(template, name);
      if (i === index) {
        expect(action.ActionTypeId).toMatchObject({ Category: 'Deploy', Provider: 'ECS' });
        expect(action.Configuration).toMatchObject({ FileName: `imagedefinitions-${name}.json`, DeploymentTimeout: 60 });
        expect(action.InputArtifacts).toEqual([{ Name: 'DeployArtifacts' }]);
      } else {
        expect(action.ActionTypeId.Provider).toBe('CodeDeployToECS');
      }
    });
    template.resourceCountIs('AWS::CodeDeploy::DeploymentGroup', 2);
    template.resourceCountIs('Custom::EcsImageRecord', 1);
  });

  test('GIVEN the pipeline-wide ecsNative() and one environment overriding it THEN the override wins', () => {
    const template = pipelineStack([{ name: 'dev' }, { name: 'prod', production: true, blueGreen: BlueGreenDeployment.codeDeploy() }], BlueGreenDeployment.ecsNative());
    expect(deployAction(template, 'dev').ActionTypeId.Provider).toBe('ECS');
    expect(deployAction(template, 'prod').ActionTypeId.Provider).toBe('CodeDeployToECS');
  });

  test('GIVEN a native environment THEN its deploy role may update only its service and pass only its task roles', () => {
    const template = pipelineStack([{ name: 'dev' }], BlueGreenDeployment.ecsNative());
    const policy = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .find(p => JSON.stringify(p.Properties.Roles).includes('DeploydevActionRole'));
    const statements = policy.Properties.PolicyDocument.Statement;
    const update = statements.find((s: any) => [s.Action].flat().includes('ecs:UpdateService'));
    expect(update.Resource).toEqual({ Ref: expect.stringMatching('ShopEnvdevService') });
    const pass = statements.find((s: any) => s.Action === 'iam:PassRole');
    expect(pass.Resource).toHaveLength(2);
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
  });
});

describe('drift guard', () => {
  function synth(props: BlueGreenFargateServiceProps = {}): Template {
    return Template.fromStack(serviceStack(props).stack);
  }
  const recordOf = (t: Template) => only(t, 'Custom::EcsImageRecord');
  const rules = (t: Template) => JSON.stringify(Object.values<any>(t.findResources('AWS::ElasticLoadBalancingV2::ListenerRule')));
  const loadBalancers = (t: Template) => JSON.stringify(only(t, 'AWS::ECS::Service').LoadBalancers);

  test('GIVEN the same app synthesized twice THEN the record\'s fingerprint is the same (a no-change deploy updates nothing)', () => {
    expect(recordOf(synth()).Fingerprint).toBe(recordOf(synth()).Fingerprint);
  });

  test.each([
    ['cpu', { cpu: 1024, memoryLimitMiB: 2048 }],
    ['an environment variable', { environment: { FEATURE: 'on' } }],
    ['the service (bake time)', { terminationWaitTime: Duration.minutes(7) }],
  ])('GIVEN a change of %s THEN the fingerprint changes, so CloudFormation re-reads the deployed image before it registers the task definition', (_what, change) => {
    expect(recordOf(synth(change as BlueGreenFargateServiceProps)).Fingerprint).not.toBe(recordOf(synth()).Fingerprint);
  });

  test('GIVEN any later change THEN the task definition\'s image stays the record\'s attribute (never a literal bootstrap or older image)', () => {
    for (const change of [{}, { cpu: 1024, memoryLimitMiB: 2048 }, { environment: { A: 'b' } }]) {
      const app = only(synth(change as BlueGreenFargateServiceProps), 'AWS::ECS::TaskDefinition').ContainerDefinitions.find((c: any) => c.Name === 'app');
      expect(app.Image).toEqual({ 'Fn::GetAtt': [expect.stringMatching('ApiImageRecord'), 'Image.app'] });
    }
  });

  test('GIVEN the record THEN every completed deployment of this service is recorded by the stack\'s record function', () => {
    const template = synth();
    const rule = only(template, 'AWS::Events::Rule');
    expect(rule.EventPattern).toEqual({
      'source': ['aws.ecs'],
      'detail-type': ['ECS Deployment State Change'],
      'resources': [{ Ref: expect.stringMatching('ApiService') }],
      'detail': { eventName: ['SERVICE_DEPLOYMENT_COMPLETED'] },
    });
    const input = JSON.stringify(rule.Targets[0].InputTransformer);
    for (const key of ['RecordImage', 'ParameterName', 'ClusterArn', 'ServiceArn', 'Defaults', '$.resources[0]']) {
      expect(input).toContain(key);
    }
    expect(rule.Targets[0].Arn).toEqual({ 'Fn::GetAtt': [expect.stringMatching('CdkEcsCicdPipelineImageRecord'), 'Arn'] });
    // A missed recording is a later drift: EventBridge retries for two hours.
    expect(rule.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 });
  });

  test.each([
    ['cpu and memory', { cpu: 1024, memoryLimitMiB: 2048 }],
    ['environment variables', { environment: { FEATURE: 'on' } }],
    ['bake time', { terminationWaitTime: Duration.minutes(7) }],
    ['traffic shifting', { trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)) }],
    ['capacity', { minCapacity: 3, maxCapacity: 6 }],
    ['the smoke test', { smokeTest: false }],
    ['the health check path', { healthCheckPath: '/ready' }],
  ])('GIVEN a change of %s THEN the listener rules and the service\'s load balancer wiring are unchanged, so CloudFormation never resets the weights ECS set (aws-cdk#36649)', (_what, change) => {
    const before = synth();
    const after = synth(change as BlueGreenFargateServiceProps);
    expect(rules(after)).toBe(rules(before));
    expect(loadBalancers(after)).toBe(loadBalancers(before));
  });
});

describe('ECS-native with additional containers', () => {
  test('GIVEN a proxy built from the same commit as the load-balanced container THEN it starts command-less, its image comes from the record, the build writes both into imagedefinitions, and ECS targets it', () => {
    const stack = new Stack(new App(), 'Proxy', { env: ENV });
    new EcsCiCdPipeline(stack, 'Shop', {
      source: source(),
      blueGreen: BlueGreenDeployment.ecsNative(),
      command: ['gunicorn', 'app:app'],
      additionalContainers: [{ name: 'proxy', buildDirectory: 'proxy', containerPort: 80, command: ['nginx', '-g', 'daemon off;'] }],
      loadBalancerContainerName: 'proxy',
      environments: [{ name: 'dev' }],
    });
    const template = Template.fromStack(stack);
    const containers = only(template, 'AWS::ECS::TaskDefinition').ContainerDefinitions;
    const proxy = containers.find((c: any) => c.Name === 'proxy');
    expect(proxy.Image).toEqual({ 'Fn::GetAtt': [expect.stringMatching('ShopEnvdevImageRecord'), 'Image.proxy'] });
    expect(proxy.Command).toEqual(['nginx', '-g', 'daemon off;']);
    expect(proxy.DockerLabels).toBeUndefined();
    expect(containers.find((c: any) => c.Name === 'app').Command).toEqual(['gunicorn', 'app:app']);
    expect(JSON.stringify(only(template, 'Custom::EcsImageRecord').Defaults)).toMatch(/app.*proxy/);
    expect(only(template, 'AWS::ECS::Service').LoadBalancers[0]).toMatchObject({ ContainerName: 'proxy', ContainerPort: 80 });
    const build = Object.values<any>(template.findResources('AWS::CodeBuild::Project')).find(p => p.Properties.Environment.PrivilegedMode);
    const settings = JSON.stringify(build.Properties.Environment.EnvironmentVariables);
    expect(settings).toContain('imagedefinitions-dev.json');
    // No AppSpec data (hooks, capacity provider strategy) for an environment whose AppSpec nobody writes.
    const dev = build.Properties.Environment.EnvironmentVariables.find((v: any) => v.Name === 'DEPLOY_ENVIRONMENT_DEV');
    expect(JSON.stringify(dev.Value)).not.toMatch(/hooks|capacityProviderStrategy|SmokeTest/);
  });
});

describe('ECS-native and manual reroute', () => {
  test('GIVEN manualRerouteTimeout with ecsNative() THEN synth fails naming the prop and the engine that supports it', () => {
    expect(() => serviceStack({ manualRerouteTimeout: Duration.hours(1) }))
      .toThrow(/environment 'Api': manualRerouteTimeout \(1 hour\) needs BlueGreenDeployment.codeDeploy\(\)/);
  });
});

describe('ECS-native defaults worth pinning', () => {
  test('GIVEN a bake time shorter than the built-in alarms need THEN the service warns, naming where the bake time came from', () => {
    const { stack } = serviceStack({ blueGreen: BlueGreenDeployment.ecsNative({ bakeTime: Duration.minutes(1) }) });
    const warnings = Annotations.fromStack(stack).findWarning('/Native/Api', Match.stringLikeRegexp('bakeTimeBelowAlarmWindow'));
    expect(warnings.map(w => String(w.entry.data))).toEqual([
      expect.stringMatching(/^BlueGreenDeployment.ecsNative\(bakeTime\) \(1 minute\) is shorter than the 4 minutes the built-in alarms need/),
    ]);
  });

  test('GIVEN 6 deploymentAlarms THEN ECS watches all 11 (the 10-alarm limit is a CodeDeploy deployment group\'s)', () => {
    const stack = new Stack(new App(), 'Alarms', { env: ENV });
    const deploymentAlarms = Array.from({ length: 6 }, (_, i) =>
      cloudwatch.Alarm.fromAlarmArn(stack, `Alarm${i}`, `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:extra-${i}`));
    new BlueGreenFargateService(stack, 'Api', { blueGreen: BlueGreenDeployment.ecsNative(), deploymentAlarms });
    const alarmNames = only(Template.fromStack(stack), 'AWS::ECS::Service').DeploymentConfiguration.Alarms.AlarmNames;
    expect(alarmNames).toHaveLength(11);
    expect(alarmNames).toEqual(expect.arrayContaining(['extra-0', 'extra-5']));
  });

  test('GIVEN the default bake time THEN nothing warns', () => {
    const { stack } = serviceStack();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('BelowAlarmWindow'))).toEqual([]);
  });

  test.each([
    [ecs.CpuArchitecture.X86_64, 'linux/amd64'],
    [ecs.CpuArchitecture.ARM64, 'linux/arm64'],
  ])('GIVEN cpuArchitecture %s THEN the command-less bootstrap image is built for %s', (cpuArchitecture, platform) => {
    const { stack } = serviceStack({ cpuArchitecture });
    const assembly = (stack.node.root as App).synth();
    const manifest = JSON.parse(fs.readFileSync(`${assembly.directory}/${stack.artifactId}.assets.json`, 'utf8'));
    const images = Object.values<any>(manifest.dockerImages ?? {});
    expect(images).toHaveLength(1);
    expect(images[0].source).toMatchObject({ platform, dockerBuildArgs: { PORT: '8080', HEALTH_CHECK_PATH: '/' } });
  });
});
