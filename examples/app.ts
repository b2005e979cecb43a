/**
 * The README's example app: a three-environment pipeline (dev -> staging -> approval -> prod).
 * `npm run example` synthesizes it into cdk.out/ without AWS credentials and prints a summary.
 */
import { App, Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EcsCiCdPipeline, PipelineSource, ScanSeverity, TrafficShifting } from '../src';

export class ShopPipelineStack extends Stack {
  public readonly pipeline: EcsCiCdPipeline;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
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
        { name: 'dev' },
        { name: 'staging', integrationTestCommands: ['curl -fsS "$SERVICE_URL/health"'] },
        {
          name: 'prod',
          production: true,
          requireApproval: true,
          approvalEmails: ['ops@acme.example'],
          minCapacity: 2,
          maxCapacity: 20,
          trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
        },
      ],
    });
  }
}

/** Builds the example app into `outdir`. */
export function buildApp(outdir?: string): App {
  const app = new App({ outdir });
  new ShopPipelineStack(app, 'ShopPipeline', {
    description: 'cdk-ecs-cicd-pipeline example: dev -> staging -> approval -> prod, blue/green on ECS Fargate',
  });
  return app;
}

if (require.main === module) {
  const started = Date.now();
  const assembly = buildApp('cdk.out').synth();
  const ms = Date.now() - started;
  console.log(`Synthesized ${assembly.stacks.length} stack(s) into ${assembly.directory} in ${ms} ms`);
  for (const stack of assembly.stacks) {
    const resources = Object.values<any>(stack.template.Resources ?? {});
    const byType = (type: string) => resources.filter(r => r.Type === type).length;
    const stages = resources.find(r => r.Type === 'AWS::CodePipeline::Pipeline')?.Properties?.Stages ?? [];
    console.log(`- ${stack.stackName}: ${resources.length} resources, template ${(JSON.stringify(stack.template).length / 1024).toFixed(0)} KiB`);
    console.log(`  pipeline stages: ${stages.map((s: any) => s.Name).join(' -> ')}`);
    console.log(`  ECS services: ${byType('AWS::ECS::Service')}, load balancers: ${byType('AWS::ElasticLoadBalancingV2::LoadBalancer')}, deployment groups: ${byType('AWS::CodeDeploy::DeploymentGroup')}, alarms: ${byType('AWS::CloudWatch::Alarm')}`);
  }
}
