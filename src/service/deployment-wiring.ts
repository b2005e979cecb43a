import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { createDeploymentAlarms } from './alarms';
import { wireHooks } from './hook-wiring';
import { BlueGreenFargateServiceProps } from './service-props';
import { NON_PRODUCTION_TERMINATION_WAIT, ResolvedServiceSettings } from './settings';
import { BlueGreenDeployment } from '../blue-green/blue-green-deployment';
import { IBlueGreenDeploymentTarget } from '../blue-green/engine';
import { EnvironmentHooks } from '../blue-green/hooks';
import { SmokeTest } from '../blue-green/smoke-test';
import { TrafficShifting } from '../blue-green/traffic-shifting';

/** The parts of one environment its deployments are wired to. */
export interface DeploymentWiringProps {
  readonly environmentName: string;
  readonly props: BlueGreenFargateServiceProps;
  readonly settings: ResolvedServiceSettings;
  readonly blueGreen: BlueGreenDeployment;
  readonly trafficShifting: TrafficShifting;
  readonly vpc: ec2.IVpc;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly deliveredContainers: ecs.ContainerDefinition[];
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly loadBalancerSecurityGroup: ec2.SecurityGroup;
  readonly protocol: elbv2.ApplicationProtocol;
  readonly productionListener: elbv2.ApplicationListener;
  readonly testListener: elbv2.ApplicationListener;
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
}

/** What the wiring created. */
export interface DeploymentWiring {
  readonly alarms: cloudwatch.IAlarm[];
  readonly hooks: EnvironmentHooks;
  readonly smokeTest?: SmokeTest;
  readonly deploymentTarget: IBlueGreenDeploymentTarget;
}

/**
 * The deployment side of an environment, created in `scope` (the service: same ids, same logical
 * IDs): the rollback alarms, the built-in smoke test and the user's hooks, then the engine bound to
 * all of it (controller wiring, hooks, rollback).
 */
export function wireDeployment(scope: Construct, w: DeploymentWiringProps): DeploymentWiring {
  const s = w.settings;
  const alarms = createDeploymentAlarms(scope, {
    environmentName: w.environmentName,
    blueTargetGroup: w.blueTargetGroup,
    greenTargetGroup: w.greenTargetGroup,
    loadBalancer: w.loadBalancer,
    http5xxThreshold: s.http5xxThreshold,
    responseTime: s.targetResponseTimeThreshold,
  });
  const wired = wireHooks(scope, w.props, s,
    { vpc: w.vpc, loadBalancer: w.loadBalancer, loadBalancerSecurityGroup: w.loadBalancerSecurityGroup, protocol: w.protocol });
  const deploymentTarget = w.blueGreen.bind(scope, {
    environmentName: w.environmentName,
    service: w.service,
    taskDefinition: w.taskDefinition,
    productionListener: w.productionListener,
    testListener: w.testListener,
    blueTargetGroup: w.blueTargetGroup,
    greenTargetGroup: w.greenTargetGroup,
    alarms: [...alarms, ...(w.props.deploymentAlarms ?? [])],
    hooks: wired.hooks,
    trafficShifting: w.trafficShifting,
    terminationWaitTime: s.terminationWaitTime,
    rollbackAlarmWindow: NON_PRODUCTION_TERMINATION_WAIT,
    deliveredContainers: w.deliveredContainers,
    manualRerouteTimeout: w.props.manualRerouteTimeout,
  });
  return { alarms, hooks: wired.hooks, smokeTest: wired.smokeTest, deploymentTarget };
}
