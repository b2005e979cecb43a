import { Annotations, Duration } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcards, BUCKET_AND_KEY_GRANTS, CODEBUILD_PROJECT_GRANTS } from '../private/nag';
import { admitsAnyAddress } from '../private/validation';
import { natGatewayCidrs } from '../private/vpc';
import { BlueGreenFargateService } from '../service/blue-green-fargate-service';
import { DeploymentEnvironmentOptions } from '../service/options';

/** What the integration tests need of an environment's options. */
export interface IntegrationTestEnvironment extends Pick<DeploymentEnvironmentOptions, 'internetFacing' | 'productionListenerAllowedCidrs'> {
  readonly name: string;
  readonly integrationTestCommands?: string[];
}

/**
 * One integration-test project per VPC, shared by the environments in it: the action passes
 * `SERVICE_URL` and `ENVIRONMENT_NAME`, and each environment's commands run only for it. (A
 * project per environment would cost 5 resources each and push ten environments past
 * CloudFormation's 500.)
 */
export function createIntegrationTests(scope: Construct, encryptionKey: kms.IKey, envs: IntegrationTestEnvironment[],
  services: BlueGreenFargateService[]): { [environment: string]: codebuild.IProject } {
  const byVpc = new Map<ec2.IVpc, number[]>();
  envs.forEach((env, i) => {
    if (!env.integrationTestCommands?.length) { return; }
    const vpc = services[i].vpc;
    byVpc.set(vpc, [...(byVpc.get(vpc) ?? []), i]);
  });
  const out: { [environment: string]: codebuild.IProject } = {};
  [...byVpc.entries()].forEach(([vpc, indexes], n) => {
    const names = indexes.map(i => envs[i].name);
    const commands = indexes.flatMap(i => envs[i].integrationTestCommands!.map(command =>
      `if [ "$ENVIRONMENT_NAME" = '${envs[i].name}' ]; then\n${command}\nfi`));
    const project = new codebuild.PipelineProject(scope, n === 0 ? 'IntegrationTests' : `IntegrationTests${n + 1}`, {
      description: `Integration tests against ${names.join(', ')}`.slice(0, 255),
      vpc,
      subnetSelection: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      environment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0, computeType: codebuild.ComputeType.SMALL },
      encryptionKey,
      timeout: Duration.minutes(30),
      buildSpec: codebuild.BuildSpec.fromObject({
        version: '0.2',
        env: { shell: 'bash' },
        phases: {
          build: {
            commands: [
              `case "$ENVIRONMENT_NAME" in ${names.map(name => `'${name}'`).join('|')}) ;; *) echo "Unknown ENVIRONMENT_NAME '$ENVIRONMENT_NAME'" >&2; exit 1;; esac`,
              'echo "Integration tests of $ENVIRONMENT_NAME against $SERVICE_URL"',
              ...commands,
            ],
          },
        },
      }),
    });
    indexes.forEach(i => admitIntegrationTests(project, envs[i], services[i], i));
    acknowledgeWildcards(project,
      'CodeBuild in a VPC needs ec2:CreateNetworkInterface/Describe* on Resource::* and CreateNetworkInterfacePermission on network-interface/* '
      + '(aws-cdk-lib grants, no narrower resource exists); log group, report group, artifact objects and key actions are the project\'s own.',
      ['Resource::\\*', 'Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/\\*', ...CODEBUILD_PROJECT_GRANTS, ...BUCKET_AND_KEY_GRANTS]);
    names.forEach(name => out[name] = project);
  });
  return out;
}

/**
 * Lets the integration tests reach environment `i`'s production listener (SERVICE_URL). An
 * internal load balancer is reached from inside the VPC: admit the project's security group. An
 * internet-facing one resolves to public IPs, so the requests leave through NAT and arrive from
 * the NAT gateways' Elastic IPs: admit those when the listener is restricted.
 */
function admitIntegrationTests(project: codebuild.PipelineProject, env: IntegrationTestEnvironment,
  service: BlueGreenFargateService, i: number): void {
  const listener = service.productionListener;
  if (!(env.internetFacing ?? true)) {
    // From the project's side: aws-cdk-lib puts the ingress rule with the project when the listener
    // is in another stack (the environment's own, on which the pipeline's depends), so the
    // environment's stack never depends on the pipeline's (SecurityGroupBase.determineRuleScope).
    project.connections.allowToDefaultPort(listener, `Integration tests of ${env.name}`);
    return;
  }
  const cidrs = env.productionListenerAllowedCidrs;
  if (!cidrs || admitsAnyAddress(cidrs)) { return; }
  const natCidrs = natGatewayCidrs(service.vpc);
  if (natCidrs.length === 0) {
    Annotations.of(service).addWarningV2('cdk-ecs-cicd-pipeline:integrationTestsBlocked',
      `environments[${i}].productionListenerAllowedCidrs (${JSON.stringify(cidrs)}) restricts the internet-facing load balancer of '${env.name}', `
      + 'and its integration tests reach it from the VPC through NAT, whose public IPs are unknown here (an imported VPC, NAT instances or '
      + 'Elastic IPs passed in): add the NAT public IPs (/32) to productionListenerAllowedCidrs, or set internetFacing: false, '
      + 'or the integration tests will time out');
    return;
  }
  natCidrs.forEach(cidr => listener.connections.allowDefaultPortFrom(ec2.Peer.ipv4(cidr), `Integration tests of ${env.name} (NAT gateway)`));
  // The rules carry the Elastic IPs' PublicIp attribute, which AwsSolutions-EC23 cannot evaluate; they are /32s.
  acknowledge(service.loadBalancer.connections.securityGroups[0], 'CdkNagValidationFailure',
    'The production listener admits the NAT gateways\' Elastic IPs (/32, a CloudFormation attribute AwsSolutions-EC23 cannot evaluate) for the integration tests.', false,
    ['AwsSolutions-EC23']);
}
