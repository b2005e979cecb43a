import { Annotations, CfnOutput, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { LoadBalancerPair } from './load-balancer';
import { ResolvedServiceSettings, ServiceSettingsInput } from './settings';
import { acknowledge, acknowledgeWildcards } from '../private/nag';
import { admitsAnyAddress } from '../private/validation';

/** Warnings about legal but risky settings. */
export function warnAboutSettings(scope: Construct, props: ServiceSettingsInput, s: ResolvedServiceSettings): void {
  const warn = (id: string, message: string) => Annotations.of(scope).addWarningV2(`cdk-ecs-cicd-pipeline:${id}`, message);
  if (props.certificate && !props.domainName) {
    warn('certificateWithoutDomainName', 'certificate is set without domainName: url, SERVICE_URL and the approval link use the load balancer\'s '
      + 'DNS name, which the certificate does not cover, so HTTPS clients reject it; set domainName (and hostedZone to create the alias record)');
  }
  if (s.desiredCountNotApplied) {
    warn('desiredCountNotApplied', `desiredCount (${props.desiredCount}) differs from minCapacity (${s.minCapacity}): the service carries no DesiredCount `
      + '(autoscaling owns it), so it starts with minCapacity tasks; set minCapacity instead');
  }
}

/** The service's cdk-nag acknowledgements, each on the narrowest construct. */
export function addServiceNagAcknowledgements(pair: LoadBalancerPair, taskDefinition: ecs.FargateTaskDefinition,
  s: ResolvedServiceSettings, noAccessLogs: boolean): void {
  const { loadBalancer, securityGroup: albSecurityGroup, productionCidrs, testCidrs } = pair;
  // Acknowledged whenever the production listener is open to the internet, by default or on purpose.
  const openProductionListener = s.internetFacing && admitsAnyAddress(productionCidrs);
  const tokenCidrs = [...productionCidrs, ...testCidrs].some(c => Token.isUnresolved(c));
  if (openProductionListener) {
    acknowledge(albSecurityGroup, 'AwsSolutions-EC23',
      'The production listener of an internet-facing load balancer serves the public; set productionListenerAllowedCidrs to restrict it.');
  } else if (tokenCidrs) {
    // EC23 cannot evaluate a CIDR that CloudFormation resolves (the VPC's CidrBlock) and reports a validation failure.
    acknowledge(albSecurityGroup, 'CdkNagValidationFailure',
      'The listeners admit the VPC CIDR, a CloudFormation attribute AwsSolutions-EC23 cannot evaluate; it is never 0.0.0.0/0.', false,
      ['AwsSolutions-EC23']);
  }
  if (noAccessLogs) {
    acknowledge(loadBalancer, 'AwsSolutions-ELB2', 'Access logs need a bucket the platform team owns; they are opt-in through accessLogBucket.');
  }
  if (taskDefinition.node.tryFindChild('TaskRole')) {
    acknowledgeWildcards(taskDefinition.taskRole,
      'X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* support no resource-level permissions (Resource::*).', ['Resource::\\*']);
  }
  acknowledge(taskDefinition, 'AwsSolutions-ECS2',
    'Plain environment variables carry non-secret configuration (AWS_XRAY_DAEMON_ADDRESS, the environment prop); secrets go through the secrets prop.');
}

/** The service's stack outputs: its production and test URLs. */
export function addServiceOutputs(scope: Construct, environmentName: string, url: string, testUrl: string): void {
  new CfnOutput(scope, 'ProductionUrl', { value: url, description: `Production URL of ${environmentName}` });
  new CfnOutput(scope, 'TestUrl', { value: testUrl, description: `Test listener URL of ${environmentName} (green task set during deployments)` });
}
