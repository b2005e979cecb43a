import { App, Duration, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  BlueGreenFargateService,
  BlueGreenFargateServiceProps,
  EcsCiCdPipeline,
  EcsCiCdPipelineProps,
  EnvironmentOptions,
  ImageBuild,
  ImageBuildOptions,
  PipelineSource,
  TrafficShifting,
} from '../src';

// ---------------------------------------------------------------------------
// Fixtures: every case builds in a fresh App/Stack, inside the thunk under test
// ---------------------------------------------------------------------------

const CONNECTION_ARN = 'arn:aws:codeconnections:eu-west-1:123456789012:connection/abc-123';
const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';

type Props<T> = T | ((stack: Stack) => T);
/** [description, thunk that constructs with bad props, expected message]. */
type BadCase = [string, () => unknown, RegExp];
/** [description, thunk that constructs with valid edge-case props]. */
type GoodCase = [string, () => unknown];

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
}

function resolve<T>(props: Props<T>, stack: Stack): T {
  return typeof props === 'function' ? (props as (stack: Stack) => T)(stack) : props;
}

function defaultSource(): PipelineSource {
  return PipelineSource.connection({ owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN });
}

function hostedZone(stack: Stack): route53.IHostedZone {
  return route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'acme.example' });
}

function certificate(stack: Stack): acm.ICertificate {
  return acm.Certificate.fromCertificateArn(stack, 'Certificate', CERTIFICATE_ARN);
}

/** A standalone BlueGreenFargateService with `props`. */
function service(props: Props<BlueGreenFargateServiceProps>): () => BlueGreenFargateService {
  return () => {
    const stack = newStack();
    return new BlueGreenFargateService(stack, 'Service', resolve(props, stack));
  };
}

/** An EcsCiCdPipeline with the default connection source and `props`. */
function pipeline(props: Props<Partial<EcsCiCdPipelineProps>>): () => EcsCiCdPipeline {
  return () => {
    const stack = newStack();
    return new EcsCiCdPipeline(stack, 'Pipeline', { source: defaultSource(), ...resolve(props, stack) });
  };
}

/** A pipeline whose environments are `environments` (everything else default). */
function pipelineWith(...environments: EnvironmentOptions[]): () => EcsCiCdPipeline {
  return pipeline({ environments });
}

/** An ImageBuild on its own (its options are validated before anything is created). */
function imageBuild(options: ImageBuildOptions): () => ImageBuild {
  return () => {
    const stack = newStack();
    return new ImageBuild(stack, 'ImageBuild', {
      ...options,
      repository: ecr.Repository.fromRepositoryName(stack, 'Repository', 'shop'),
      environments: [],
    });
  };
}

function alarms(stack: Stack, count: number): cloudwatch.IAlarm[] {
  return Array.from({ length: count }, (_, i) =>
    cloudwatch.Alarm.fromAlarmArn(stack, `Alarm${i}`, `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:extra-${i}`));
}

function hookFunction(stack: Stack): lambda.IFunction {
  return new lambda.Function(stack, 'Hook', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
}

const nightly = appscaling.Schedule.cron({ hour: '20', minute: '0' });

// ---------------------------------------------------------------------------
// BlueGreenFargateService (standalone: messages carry no prefix)
// ---------------------------------------------------------------------------

const serviceCases: BadCase[] = [
  ['cpu 300 is no Fargate size', service({ cpu: 300 }),
    /^cpu \(300\) must be one of the Fargate CPU sizes: 256, 512, 1024, 2048, 4096, 8192, 16384$/],
  ['cpu 256 with memory 4096', service({ cpu: 256, memoryLimitMiB: 4096 }),
    /^memoryLimitMiB \(4096\) is not valid with cpu 256 on Fargate; allowed: 512, 1024, 2048$/],
  ['cpu 1024 with memory 1024', service({ cpu: 1024, memoryLimitMiB: 1024 }),
    /^memoryLimitMiB \(1024\) is not valid with cpu 1024 on Fargate; allowed: 2048 to 8192 in steps of 1024$/],
  ['containerPort 0', service({ containerPort: 0 }),
    /^containerPort \(0\) must be an integer between 1 and 65535$/],
  ['containerPort 70000', service({ containerPort: 70000 }),
    /^containerPort \(70000\) must be an integer between 1 and 65535$/],
  ['containerPort 1.5', service({ containerPort: 1.5 }),
    /^containerPort \(1\.5\) must be an integer between 1 and 65535$/],
  ['productionListenerPort equal to testListenerPort', service({ productionListenerPort: 8080, testListenerPort: 8080 }),
    /^testListenerPort \(8080\) must differ from productionListenerPort \(8080\)$/],
  ['testListenerPort 80 with a certificate (HTTP redirect listener)', service(stack => ({ certificate: certificate(stack), testListenerPort: 80 })),
    /^testListenerPort \(80\) is taken by the HTTP to HTTPS redirect listener; choose another port$/],
  ['containerPort 2000 with X-Ray on', service({ containerPort: 2000 }),
    /^containerPort \(2000\) clashes with the X-Ray daemon sidecar port 2000; choose another port or set xray: false$/],
  ['healthCheckPath without a leading slash', service({ healthCheckPath: 'health' }),
    /^healthCheckPath \('health'\) must start with '\/'/],
  ['healthCheckPath with a space', service({ healthCheckPath: '/he alth' }),
    /^healthCheckPath \('\/he alth'\) must start with '\/' and contain .* without spaces$/],
  ['containerName reserved for the X-Ray sidecar', service({ containerName: 'xray-daemon' }),
    /^containerName \('xray-daemon'\) is reserved for the X-Ray sidecar; choose another name$/],
  ['containerName with a space and a bang', service({ containerName: 'bad name!' }),
    /^containerName \('bad name!'\) must be 1-255 letters, digits, hyphens or underscores, starting with a letter or digit$/],
  ['minCapacity above maxCapacity', service({ minCapacity: 5, maxCapacity: 3 }),
    /^minCapacity \(5\) must be <= maxCapacity \(3\)$/],
  ['desiredCount above maxCapacity', service({ desiredCount: 5, minCapacity: 1, maxCapacity: 3 }),
    /^desiredCount \(5\) must be between minCapacity \(1\) and maxCapacity \(3\)$/],
  ['desiredCount below minCapacity', service({ desiredCount: 2, minCapacity: 3, maxCapacity: 6 }),
    /^desiredCount \(2\) must be between minCapacity \(3\) and maxCapacity \(6\)$/],
  ['desiredCount 0', service({ desiredCount: 0 }),
    /^desiredCount \(0\) must be an integer between 1 and 5000$/],
  ['cpuTargetUtilization 0', service({ cpuTargetUtilization: 0 }),
    /^cpuTargetUtilization \(0\) must be between 1 and 100$/],
  ['cpuTargetUtilization 120', service({ cpuTargetUtilization: 120 }),
    /^cpuTargetUtilization \(120\) must be between 1 and 100$/],
  ['memoryTargetUtilization 101', service({ memoryTargetUtilization: 101 }),
    /^memoryTargetUtilization \(101\) must be between 1 and 100$/],
  ['requestsPerTarget 0', service({ requestsPerTarget: 0 }),
    /^requestsPerTarget \(0\) must be an integer between 1 and 1000000$/],
  ['scaleInCooldown not in whole seconds', service({ scaleInCooldown: Duration.seconds(1.5) }),
    /^scaleInCooldown \(1 second 500 millis\) must be a whole number of seconds between 0 seconds and 1 day$/],
  ['terminationWaitTime not in whole minutes', service({ terminationWaitTime: Duration.seconds(90) }),
    /^terminationWaitTime \(1 minute 30 seconds\) must be a whole number of minutes between 0 minutes and 2 days$/],
  ['terminationWaitTime above 2880 minutes', service({ terminationWaitTime: Duration.minutes(3000) }),
    /^terminationWaitTime \(2 days 2 hours\) must be a whole number of minutes between 0 minutes and 2 days$/],
  ['targetResponseTimeThreshold above 60 seconds', service({ targetResponseTimeThreshold: Duration.minutes(2) }),
    /^targetResponseTimeThreshold \(2 minutes\) must be between 1 millisecond and 60 seconds$/],
  ['http5xxThreshold 0', service({ http5xxThreshold: 0 }),
    /^http5xxThreshold \(0\) must be an integer between 1 and 1000000$/],
  ['testListenerAllowedCidrs with a /33 mask', service({ testListenerAllowedCidrs: ['10.0.0.0/33'] }),
    /^testListenerAllowedCidrs\[0\] \('10\.0\.0\.0\/33'\) must be an IPv4 or IPv6 CIDR block such as '10\.0\.0\.0\/16' or '::\/0'$/],
  ['testListenerAllowedCidrs that is no CIDR', service({ testListenerAllowedCidrs: ['not-a-cidr'] }),
    /^testListenerAllowedCidrs\[0\] \('not-a-cidr'\) must be an IPv4 or IPv6 CIDR block/],
  ['productionListenerAllowedCidrs with an octet above 255', service({ productionListenerAllowedCidrs: ['10.0.0.0/8', '300.1.1.1/32'] }),
    /^productionListenerAllowedCidrs\[1\] \('300\.1\.1\.1\/32'\) must be an IPv4 or IPv6 CIDR block/],
  ['6 deploymentAlarms (5 built in, CodeDeploy takes 10)', service(stack => ({ deploymentAlarms: alarms(stack, 6) })),
    /^deploymentAlarms is too many for environment '\w+': with the built-in alarms that makes 11 rollback alarms, and a CodeDeploy deployment group accepts at most 10; pass fewer deploymentAlarms$/],
  ['scheduledScaling name with a hyphen', service({ scheduledScaling: [{ name: 'night-time', schedule: nightly, minCapacity: 0 }] }),
    /^scheduledScaling\[0\]\.name \('night-time'\) must be 1-64 letters or digits$/],
  ['scheduledScaling with a duplicate name', service({
    scheduledScaling: [
      { name: 'Night', schedule: nightly, minCapacity: 0 },
      { name: 'Night', schedule: nightly, maxCapacity: 2 },
    ],
  }), /^scheduledScaling\[1\]\.name \('Night'\) is used twice; names must be unique$/],
  ['scheduledScaling with neither minCapacity nor maxCapacity', service({ scheduledScaling: [{ name: 'Night', schedule: nightly }] }),
    /^scheduledScaling\[0\] \('Night'\) must set minCapacity, maxCapacity or both$/],
  ['testListenerAllowedCidrs with an IPv6 address holding "::" twice', service({ testListenerAllowedCidrs: ['fe80::1::2/64'] }),
    /^testListenerAllowedCidrs\[0\] \('fe80::1::2\/64'\) must be an IPv4 or IPv6 CIDR block/],
  ['scheduledScaling minCapacity above its maxCapacity', service({ scheduledScaling: [{ name: 'Peak', schedule: nightly, minCapacity: 5, maxCapacity: 2 }] }),
    /^scheduledScaling\[0\]\.minCapacity \(5\) must be <= (scheduledScaling\[0\]\.)?maxCapacity \(2\)/],
  ['smokeTestOptions.attempts 0', service({ smokeTestOptions: { attempts: 0 } }),
    /^smokeTestOptions\.attempts \(0\) must be an integer between 1 and 100$/],
  ['smokeTestOptions.expectedStatus 2xx', service({ smokeTestOptions: { expectedStatus: '2xx' } }),
    /^smokeTestOptions\.expectedStatus \('2xx'\) must be HTTP codes or ranges separated by commas, e\.g\. '200' or '200-299,301'$/],
  ['smokeTestOptions.path without a leading slash', service({ smokeTestOptions: { path: 'x' } }),
    /^smokeTestOptions\.path \('x'\) must start with '\/'/],
  ['smokeTestOptions.timeout 500 ms', service({ smokeTestOptions: { timeout: Duration.millis(500) } }),
    /^smokeTestOptions\.timeout \(500 millis\) must be a whole number of seconds between 1 second and 1 minute$/],
  ['natGateways 3', service({ natGateways: 3 }),
    /^natGateways \(3\) must be an integer between 1 and 2$/],
  ['smokeTest: true together with hooks.afterAllowTestTraffic', service(stack => ({ smokeTest: true, hooks: { afterAllowTestTraffic: hookFunction(stack) } })),
    /^smokeTest \(true\) and hooks\.afterAllowTestTraffic cannot both be set: .*set smokeTest: false or drop the hook$/],
  // Each value is accepted alone; together they need a function timeout above Lambda's 900 s.
  ['smokeTestOptions attempts 20 with timeout 60 s', service({ smokeTestOptions: { attempts: 20, timeout: Duration.seconds(60) } }),
    /^smokeTestOptions\.attempts \(20\) and smokeTestOptions\.timeout \(1 minute\) need a smoke test function timeout of 1250 seconds .*above Lambda's 900-second limit; lower attempts or timeout$/],
  ['smokeTestOptions attempts 100 with timeout 9 s', service({ smokeTestOptions: { attempts: 100, timeout: Duration.seconds(9) } }),
    /^smokeTestOptions\.attempts \(100\) and smokeTestOptions\.timeout \(9 seconds\) need a smoke test function timeout of 1030 seconds/],
  ['domainName with a scheme', service({ domainName: 'https://shop.acme.example' }),
    /^domainName \('https:\/\/shop\.acme\.example'\) must be a fully qualified DNS name such as 'shop\.acme\.example'/],
  ['domainName with a port', service({ domainName: 'shop.acme.example:443' }),
    /^domainName \('shop\.acme\.example:443'\) must be a fully qualified DNS name/],
  ['domainName without a dot', service({ domainName: 'localhost' }),
    /^domainName \('localhost'\) must be a fully qualified DNS name/],
  ['hostedZone without domainName', service(stack => ({ hostedZone: hostedZone(stack) })),
    /^hostedZone \(Stack\/Zone\) is set but domainName is not; set the DNS name the alias record should have$/],
  ['domainName outside hostedZone', service(stack => ({ hostedZone: hostedZone(stack), domainName: 'shop.other.example' })),
    /^domainName \('shop\.other\.example'\) is not in hostedZone \('acme\.example'\)/],
];

// ---------------------------------------------------------------------------
// EcsCiCdPipeline (environment fields are prefixed with `environments[i].`)
// ---------------------------------------------------------------------------

const pipelineCases: BadCase[] = [
  ['environments empty', pipelineWith(),
    /^environments \(\[\]\) must list at least one environment, e\.g\. \[\{ name: 'dev' \}\]$/],
  ['environment name with a space', pipelineWith({ name: 'my env' }),
    /^environments\[0\]\.name \('my env'\) must be 1-32 letters, digits or hyphens, starting with a letter$/],
  ['environment name starting with a digit', pipelineWith({ name: 'dev' }, { name: '2prod' }),
    /^environments\[1\]\.name \('2prod'\) must be 1-32 letters, digits or hyphens, starting with a letter$/],
  ['environment name of 40 characters', pipelineWith({ name: 'a'.repeat(40) }),
    new RegExp(`^environments\\[0\\]\\.name \\('${'a'.repeat(40)}'\\) must be 1-32 letters, digits or hyphens, starting with a letter$`)],
  ['environment names differing only by case', pipelineWith({ name: 'dev' }, { name: 'Dev' }),
    /^environments\[1\]\.name \('Dev'\) duplicates environments\[0\]\.name; environment names must be unique \(ignoring case\)$/],
  ['environments[2].minCapacity above its maxCapacity', pipelineWith({ name: 'dev' }, { name: 'staging' }, { name: 'prod', minCapacity: 5, maxCapacity: 3 }),
    /^environments\[2\]\.minCapacity \(5\) must be <= maxCapacity \(3\)$/],
  ['environments[1].testListenerPort equal to its productionListenerPort', pipelineWith({ name: 'dev' }, { name: 'prod', productionListenerPort: 8080, testListenerPort: 8080 }),
    /^environments\[1\]\.testListenerPort \(8080\) must differ from productionListenerPort \(8080\)$/],
  ['several environments, none marked production', pipelineWith({ name: 'dev' }, { name: 'staging' }, { name: 'prod' }),
    /^environments \('dev', 'staging', 'prod'\) has 3 environments and none sets production: true\. Mark the production environment\(s\), e\.g\. \{ name: 'prod', production: true \}, or set production: false on every environment/],
  ['an environment appended after an unmarked prod', pipelineWith({ name: 'dev' }, { name: 'prod', requireApproval: true }, { name: 'dr' }),
    /^environments \('dev', 'prod', 'dr'\) has 3 environments and none sets production: true/],
  ['some environments marked production: false, none true', pipelineWith({ name: 'dev', production: false }, { name: 'prod' }),
    /^environments \('dev', 'prod'\) has 2 environments and none sets production: true/],
  ['environments[1].smokeTestOptions attempts 20 with timeout 60 s',
    pipelineWith({ name: 'dev' }, { name: 'prod', production: true, smokeTestOptions: { attempts: 20, timeout: Duration.seconds(60) } }),
    /^environments\[1\]\.smokeTestOptions\.attempts \(20\) and environments\[1\]\.smokeTestOptions\.timeout \(1 minute\) need a smoke test function timeout of 1250 seconds/],
  ['environments[1].smokeTestOptions.attempts 0', pipelineWith({ name: 'dev' }, { name: 'prod', smokeTestOptions: { attempts: 0 } }),
    /^environments\[1\]\.smokeTestOptions\.attempts \(0\) must be an integer between 1 and 100$/],
  ['approvalEmails with a bad address', pipelineWith({ name: 'dev' }, { name: 'prod', approvalEmails: ['ops@example.com', 'not-an-email'] }),
    /^environments\[1\]\.approvalEmails\[1\] \('not-an-email'\) must be an e-mail address$/],
  ['approvalEmails on an environment without approval', pipelineWith({ name: 'dev', approvalEmails: ['ops@example.com'] }, { name: 'prod' }),
    /^environments\[0\]\.approvalEmails \(.*'?ops@example\.com'?.*\) .*requireApproval: true/],
  ['notificationEmails with a bad address', pipeline({ environments: [{ name: 'dev' }], notificationEmails: ['ops@example'] }),
    /^notificationEmails\[0\] \('ops@example'\) must be an e-mail address$/],
  ['integrationTestCommands with an empty command', pipelineWith({ name: 'dev', integrationTestCommands: [''] }),
    /^environments\[0\]\.integrationTestCommands\[0\] \(''\) must be a non-empty shell command$/],
  ['unitTestCommands with a blank command', pipeline({ environments: [{ name: 'dev' }], unitTestCommands: ['npm test', '  '] }),
    /^unitTestCommands\[1\] \(' {2}'\) must be a non-empty shell command$/],
  ['top-level cpu 300 (no environments prefix)', pipeline({ cpu: 300 }),
    /^cpu \(300\) must be one of the Fargate CPU sizes: 256, 512, 1024, 2048, 4096, 8192, 16384$/],
  ['top-level containerPort 2000 with X-Ray on (no environments prefix)', pipeline({ containerPort: 2000 }),
    /^containerPort \(2000\) clashes with the X-Ray daemon sidecar port 2000/],
  ['imageRetentionCount 0', pipeline({ imageRetentionCount: 0 }),
    /^imageRetentionCount \(0\) must be an integer between 1 and 10000$/],
  ['repository together with imageRetentionCount', pipeline(stack => ({
    repository: ecr.Repository.fromRepositoryName(stack, 'Repository', 'shop'),
    imageRetentionCount: 10,
  })), /imageRetentionCount \(10\).*cannot be combined with repository/],
  ['natGateways 3 on the created VPC', pipeline({ environments: [{ name: 'dev' }], natGateways: 3 }),
    /^natGateways \(3\) must be an integer between 1 and 2$/],
];

// ---------------------------------------------------------------------------
// PipelineSource factories
// ---------------------------------------------------------------------------

const connection = { owner: 'acme', repo: 'shop', connectionArn: CONNECTION_ARN };
const sourceCases: BadCase[] = [
  ['connection branch with a space', () => PipelineSource.connection({ ...connection, branch: 'bad branch' }),
    /^source\.branch \('bad branch'\) must be a Git branch name \(no spaces, no ~ \^ : \? \* \[ \\, no "\.\."\)$/],
  ['connection branch with ".."', () => PipelineSource.connection({ ...connection, branch: 'a..b' }),
    /^source\.branch \('a\.\.b'\) must be a Git branch name .*no "\.\."/],
  ['connection ARN that is no ARN', () => PipelineSource.connection({ ...connection, connectionArn: 'not-an-arn' }),
    /^source\.connectionArn \('not-an-arn'\) must be the ARN of a CodeConnections connection, e\.g\. arn:aws:codeconnections:/],
  ['connection owner with a space', () => PipelineSource.connection({ ...connection, owner: 'bad owner' }),
    /^source\.owner \('bad owner'\) must be a repository owner: letters, digits, - _ \.$/],
  ['codeCommit branch with "//"', () => PipelineSource.codeCommit({
    repository: codecommit.Repository.fromRepositoryName(newStack(), 'Repo', 'shop'),
    branch: 'feature//x',
  }), /^source\.branch \('feature\/\/x'\) must be a Git branch name/],
  ['s3 key starting with a space', () => PipelineSource.s3({ bucket: s3.Bucket.fromBucketName(newStack(), 'Bucket', 'sources'), key: ' x' }),
    // ' x' is not empty: the hint must say what is wrong (leading whitespace).
    /^source\.key \(' x'\) must .*(whitespace|space)/],
];

// ---------------------------------------------------------------------------
// ImageBuild and the pipeline's build options
// ---------------------------------------------------------------------------

const buildCases: BadCase[] = [
  ['pipeline dockerfile outside the repository', pipeline({ environments: [{ name: 'dev' }], dockerfile: '../Dockerfile' }),
    /^dockerfile \('\.\.\/Dockerfile'\) must be a path relative to the repository root \(letters, digits, _ \. \/ @ \+ -; no "\.\."\)$/],
  ['dockerfile with an absolute path', imageBuild({ dockerfile: '/abs/Dockerfile' }),
    /^dockerfile \('\/abs\/Dockerfile'\) must be a path relative to the repository root/],
  ['buildDirectory escaping the repository', imageBuild({ buildDirectory: 'a/../../b' }),
    /^buildDirectory \('a\/\.\.\/\.\.\/b'\) must be a path relative to the repository root .*no "\.\."/],
  ['buildArgs key starting with a digit', imageBuild({ buildArgs: { GOOD: '1', ['1BAD']: '2' } }),
    /^buildArgs.*'1BAD'.* must be a build argument name: letters, digits, underscores, not starting with a digit$/],
  ['buildTimeout below 5 minutes', imageBuild({ buildTimeout: Duration.minutes(2) }),
    /^buildTimeout \(2 minutes\) must be a whole number of minutes between 5 minutes and 1 day 12 hours$/],
  ['pipeline buildTimeout not in whole minutes', pipeline({ environments: [{ name: 'dev' }], buildTimeout: Duration.seconds(400) }),
    /^buildTimeout \(6 minutes 40 seconds\) must be a whole number of minutes between 5 minutes and 1 day 12 hours$/],
  ['ImageBuild unitTestCommands with an empty command', imageBuild({ unitTestCommands: [''] }),
    /^unitTestCommands\[0\] \(''\) must be a non-empty shell command$/],
  ['ImageBuild restrictRepositoryPushes with an imported repository', () => {
    const stack = newStack();
    return new ImageBuild(stack, 'ImageBuild', {
      repository: ecr.Repository.fromRepositoryName(stack, 'Repository', 'shop'),
      environments: [new BlueGreenFargateService(stack, 'Api')],
      restrictRepositoryPushes: true,
    });
  }, /^restrictRepositoryPushes \(true\) needs a repository created in this stack \(ecr\.Repository\), whose policy the stack manages; got .*Repository$/],
];

// ---------------------------------------------------------------------------
// TrafficShifting factories
// ---------------------------------------------------------------------------

const trafficCases: BadCase[] = [
  ['canary 0 %', () => TrafficShifting.canary(0, Duration.minutes(5)),
    /^TrafficShifting\.canary\(percent\) \(0\) must be an integer between 1 and 99$/],
  ['canary 100 %', () => TrafficShifting.canary(100, Duration.minutes(5)),
    /^TrafficShifting\.canary\(percent\) \(100\) must be an integer between 1 and 99$/],
  ['canary 10.5 %', () => TrafficShifting.canary(10.5, Duration.minutes(5)),
    /^TrafficShifting\.canary\(percent\) \(10\.5\) must be an integer between 1 and 99$/],
  ['linear every 90 seconds', () => TrafficShifting.linear(10, Duration.seconds(90)),
    /^TrafficShifting\.linear\(interval\) \(1 minute 30 seconds\) must be a whole number of minutes between 1 minute and 2 days$/],
  ['linear every 3000 minutes', () => TrafficShifting.linear(10, Duration.minutes(3000)),
    /^TrafficShifting\.linear\(interval\) \(2 days 2 hours\) must be a whole number of minutes between 1 minute and 2 days$/],
];

const badCases: BadCase[] = [...serviceCases, ...pipelineCases, ...sourceCases, ...buildCases, ...trafficCases];

describe('bad props fail at synth time with a message naming the prop, the value and what is allowed', () => {
  test.each(badCases)('%s', (_description, construct, message) => {
    expect(construct).toThrow(message);
  });
});

// ---------------------------------------------------------------------------
// Positive controls: valid edge values must not throw
// ---------------------------------------------------------------------------

const goodCases: GoodCase[] = [
  ['largest memory of cpu 4096 (30720 MiB)', service({ cpu: 4096, memoryLimitMiB: 30720 })],
  ['containerPort 65535', service({ containerPort: 65535 })],
  ['containerPort 2000 with xray: false', service({ containerPort: 2000, xray: false })],
  ['IPv6 CIDR ::/0 on both listeners', service({ testListenerAllowedCidrs: ['::/0'], productionListenerAllowedCidrs: ['0.0.0.0/0', '::/0'] })],
  ['smokeTest: false with hooks.afterAllowTestTraffic', service(stack => ({ smokeTest: false, hooks: { afterAllowTestTraffic: hookFunction(stack) } }))],
  ['pipeline with a single environment', pipelineWith({ name: 'prod' })],
  ['pipeline with several environments, every one production: false', pipelineWith({ name: 'dev', production: false }, { name: 'qa', production: false })],
  ['smokeTestOptions attempts 20 with timeout 40 s (850 s function timeout)', service({ smokeTestOptions: { attempts: 20, timeout: Duration.seconds(40) } })],
  ['smokeTestOptions attempts 100 with the default 5 s timeout (630 s function timeout)', service({ smokeTestOptions: { attempts: 100 } })],
  ['domainName at the apex of hostedZone', service(stack => ({ hostedZone: hostedZone(stack), domainName: 'acme.example' }))],
  ['canary 99 % after 2880 minutes and linear 1 % every minute', () => [
    TrafficShifting.canary(99, Duration.minutes(2880)),
    TrafficShifting.linear(1, Duration.minutes(1)),
  ]],
];

describe('valid edge values are accepted', () => {
  test.each(goodCases)('%s', (_description, construct) => {
    expect(construct).not.toThrow();
  });
});
