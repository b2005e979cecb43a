import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { BlueGreenFargateServiceProps } from './service-props';
import { ResolvedServiceSettings } from './settings';
import { EnvironmentHooks } from '../blue-green/hooks';
import { SmokeTest } from '../blue-green/smoke-test';

/** What the hooks are wired to. */
export interface HookWiringContext {
  readonly vpc: ec2.IVpc;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly protocol: elbv2.ApplicationProtocol;
}

/**
 * The built-in smoke test (unless turned off or replaced by the user's `afterAllowTestTraffic`)
 * and the user's hooks: functions in the VPC are admitted to the test listener by security group.
 * Engine-neutral: the engine grants and maps them when it binds. Created in `scope` (the service).
 */
export function wireHooks(scope: Construct, props: BlueGreenFargateServiceProps, s: ResolvedServiceSettings,
  ctx: HookWiringContext): { hooks: EnvironmentHooks; smokeTest?: SmokeTest } {
  const albSecurityGroup = ctx.loadBalancerSecurityGroup;
  const protocol = ctx.protocol;
  if (props.smokeTest === true && props.hooks?.afterAllowTestTraffic) {
    throw new Error('smokeTest (true) and hooks.afterAllowTestTraffic cannot both be set: a deployment runs one function per hook point; set smokeTest: false or drop the hook');
  }
  let smokeTest: SmokeTest | undefined;
  if (props.smokeTest ?? !props.hooks?.afterAllowTestTraffic) {
    smokeTest = new SmokeTest(scope, 'SmokeTest', {
      vpc: ctx.vpc,
      loadBalancer: ctx.loadBalancer,
      protocol,
      port: s.testListenerPort,
      path: props.smokeTestOptions?.path ?? s.healthCheckPath,
      hostName: props.domainName,
      expectedStatus: props.smokeTestOptions?.expectedStatus,
      attempts: props.smokeTestOptions?.attempts,
      timeout: props.smokeTestOptions?.timeout,
    });
  }
  if (smokeTest) {
    // The smoke test calls the load balancer's private IPs from inside the VPC: admit it by security
    // group, so it keeps working without the VPC CIDR (production, testListenerAllowedCidrs).
    albSecurityGroup.connections.allowFrom(smokeTest.function, ec2.Port.tcp(s.testListenerPort), 'Built-in smoke test');
  }
  const hooks: EnvironmentHooks = { ...props.hooks, ...(smokeTest ? { afterAllowTestTraffic: smokeTest.function } : {}) };
  for (const [key, fn] of Object.entries(hooks) as Array<[string, lambda.IFunction | undefined]>) {
    if (fn && fn !== smokeTest?.function && fn.isBoundToVpc) {
      // A hook in a VPC may test the green version like the smoke test does: admit it by security group.
      albSecurityGroup.connections.allowFrom(fn, ec2.Port.tcp(s.testListenerPort), `Lifecycle hook ${key}`);
    }
  }
  return { hooks, smokeTest };
}
