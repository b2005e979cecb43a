/**
 * A consumer app written the way a user writes one against the published package (this file is
 * type-checked with `tsc --strict`): the example pipeline (three environments with integration
 * tests, notification and approval e-mails, one HTTPS environment) and a standalone service, plus a
 * stack cdk-nag must reject.
 */
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BlueGreenDeployment, BlueGreenFargateService, EcsCiCdPipeline, PipelineSource, ScanSeverity, TrafficShifting } from 'cdk-ecs-cicd-pipeline';

/** The explicit environment of the env-specific stacks (no lookups: synthesis needs no credentials). */
export const ENV = { account: '123456789012', region: 'eu-west-1' };

export class ShopPipelineStack extends Stack {
  public readonly pipeline: EcsCiCdPipeline;

  constructor(scope: App, id: string, props?: StackProps) {
    super(scope, id, props);
    const certificate = acm.Certificate.fromCertificateArn(this, 'Certificate',
      'arn:aws:acm:eu-west-1:123456789012:certificate/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f');
    this.pipeline = new EcsCiCdPipeline(this, 'Shop', {
      source: PipelineSource.connection({
        owner: 'acme',
        repo: 'shop',
        branch: 'main',
        connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f',
      }),
      containerPort: 8080,
      healthCheckPath: '/health',
      unitTestCommands: ['npm ci', 'npm test'],
      scanSeverityThreshold: ScanSeverity.HIGH,
      notificationEmails: ['platform@acme.example'],
      environments: [
        { name: 'dev', integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'] },
        { name: 'staging', integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'] },
        {
          name: 'prod',
          production: true,
          requireApproval: true,
          approvalEmails: ['ops@acme.example'],
          certificate,
          domainName: 'shop.acme.example',
          minCapacity: 2,
          maxCapacity: 20,
          trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
          integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'],
        },
      ],
    });
  }
}

export class ServiceStack extends Stack {
  public readonly service: BlueGreenFargateService;

  constructor(scope: App, id: string, props?: StackProps) {
    super(scope, id, props);
    this.service = new BlueGreenFargateService(this, 'Service', { environmentName: 'dev' });
  }
}

/**
 * The ECS-native engine: pipeline-wide, with dev overriding its bake time, staging linear, prod on
 * CodeDeploy (engines mixed in one pipeline), and a standalone ECS-native service with a canary.
 */
export class NativeStack extends Stack {
  constructor(scope: App, id: string, props?: StackProps) {
    super(scope, id, props);
    new EcsCiCdPipeline(this, 'Shop', {
      source: PipelineSource.connection({
        owner: 'acme',
        repo: 'shop',
        connectionArn: 'arn:aws:codeconnections:eu-west-1:123456789012:connection/0f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f',
      }),
      blueGreen: BlueGreenDeployment.ecsNative(),
      environments: [
        { name: 'dev', blueGreen: BlueGreenDeployment.ecsNative({ bakeTime: Duration.minutes(2) }), integrationTestCommands: ['curl -fsS "$SERVICE_URL"'] },
        { name: 'staging', trafficShifting: TrafficShifting.linear(25, Duration.minutes(2)) },
        { name: 'prod', production: true, blueGreen: BlueGreenDeployment.codeDeploy(), trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)) },
      ],
    });
    new BlueGreenFargateService(this, 'Service', {
      environmentName: 'api',
      blueGreen: BlueGreenDeployment.ecsNative(),
      trafficShifting: TrafficShifting.canary(20, Duration.minutes(2)),
    });
  }
}

/**
 * A grant the library did not make: one object-level wildcard on the task role, whose acknowledgement
 * covers only `Resource::*` (X-Ray). cdk-nag must report exactly this one finding in every toolchain.
 */
export class NewWildcardStack extends Stack {
  constructor(scope: App, id: string, props?: StackProps) {
    super(scope, id, props);
    const service = new BlueGreenFargateService(this, 'Service', { environmentName: 'dev' });
    service.taskDefinition.addToTaskRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::shop-assets/*'] }));
  }
}

/** What cdk-nag must report in every toolchain: an unencrypted, unlogged bucket and a wildcard policy. */
export class KnownBadStack extends Stack {
  constructor(scope: App, id: string, props?: StackProps) {
    super(scope, id, props);
    new s3.Bucket(this, 'Bucket');
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
  }
}

/** The stacks the harness checks: each in its own App, env-agnostic and with an explicit account and region. */
export const CASES: Record<string, (app: App) => Stack> = {
  'pipeline': app => new ShopPipelineStack(app, 'ShopPipeline'),
  'pipeline-env': app => new ShopPipelineStack(app, 'ShopPipelineEnv', { env: ENV }),
  'service': app => new ServiceStack(app, 'Service'),
  'service-env': app => new ServiceStack(app, 'ServiceEnv', { env: ENV }),
  'native': app => new NativeStack(app, 'Native'),
  'native-env': app => new NativeStack(app, 'NativeEnv', { env: ENV }),
  'known-bad': app => new KnownBadStack(app, 'KnownBad', { env: ENV }),
  'new-wildcard': app => new NewWildcardStack(app, 'NewWildcard', { env: ENV }),
};
