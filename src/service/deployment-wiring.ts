import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { createDeploymentAlarms } from './alarms';
import { wireHooks } from './hook-wiring';
import { LoadBalancerPair } from './load-balancer';
import { BlueGreenFargateServiceProps } from './service-props';
import { NON_PRODUCTION_TERMINATION_WAIT, ResolvedServiceSettings } from './settings';
import { ServiceTask } from './task-definition';
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
  readonly task: ServiceTask;
  readonly pair: LoadBalancerPair;
  readonly capacityProviderStrategies: ecs.CapacityProviderStrategy[];
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
  const pair = w.pair;
  const alarms = createDeploymentAlarms(scope, {
    environmentName: w.environmentName,
    blueTargetGroup: pair.blueTargetGroup,
    greenTargetGroup: pair.greenTargetGroup,
    loadBalancer: pair.loadBalancer,
    http5xxThreshold: s.http5xxThreshold,
    responseTime: s.targetResponseTimeThreshold,
  });
  const wired = wireHooks(scope, w.props, s,
    { vpc: w.vpc, loadBalancer: pair.loadBalancer, loadBalancerSecurityGroup: pair.securityGroup, protocol: pair.protocol });
  const deploymentTarget = w.blueGreen.bind(scope, {
    environmentName: w.environmentName,
    service: w.service,
    taskDefinition: w.task.taskDefinition,
    productionListener: pair.productionListener,
    testListener: pair.testListener,
    blueTargetGroup: pair.blueTargetGroup,
    greenTargetGroup: pair.greenTargetGroup,
    alarms: [...alarms, ...(w.props.deploymentAlarms ?? [])],
    hooks: wired.hooks,
    trafficShifting: w.trafficShifting,
    terminationWaitTime: s.terminationWaitTime,
    rollbackAlarmWindow: NON_PRODUCTION_TERMINATION_WAIT,
    deliveredContainers: w.task.deliveredContainers,
    manualRerouteTimeout: w.props.manualRerouteTimeout,
    capacityProviderStrategies: w.capacityProviderStrategies,
  });
  return { alarms, hooks: wired.hooks, smokeTest: wired.smokeTest, deploymentTarget };
}
