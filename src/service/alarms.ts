import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import { ALARM_EVALUATION_PERIODS, ALARM_PERIOD } from './settings';

export interface DeploymentAlarmsProps {
  readonly environmentName: string;
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly http5xxThreshold: number;
  readonly responseTime: Duration;
}

/**
 * The built-in alarms that roll a deployment back: 5xx and unhealthy hosts of each target group,
 * and the load balancer's p99 target response time. Created in `scope` (the service).
 */
export function createDeploymentAlarms(scope: Construct, props: DeploymentAlarmsProps): cloudwatch.Alarm[] {
  const { environmentName, http5xxThreshold, responseTime } = props;
  const minute = ALARM_PERIOD;
  const alarms: cloudwatch.Alarm[] = [];
  for (const [color, tg] of [['Blue', props.blueTargetGroup], ['Green', props.greenTargetGroup]] as const) {
    alarms.push(new cloudwatch.Alarm(scope, `${color}Http5xxAlarm`, {
      alarmDescription: `${environmentName}: ${color.toLowerCase()} target group returned >= ${http5xxThreshold} 5xx in a minute (rolls the deployment back)`,
      metric: tg.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: minute, statistic: 'Sum' }),
      threshold: http5xxThreshold,
      evaluationPeriods: ALARM_EVALUATION_PERIODS.http5xx,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
    alarms.push(new cloudwatch.Alarm(scope, `${color}UnhealthyHostsAlarm`, {
      alarmDescription: `${environmentName}: ${color.toLowerCase()} target group has unhealthy targets for 2 minutes (rolls the deployment back)`,
      metric: tg.metrics.unhealthyHostCount({ period: minute, statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: ALARM_EVALUATION_PERIODS.unhealthyHosts,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }
  alarms.push(new cloudwatch.Alarm(scope, 'TargetResponseTimeAlarm', {
    alarmDescription: `${environmentName}: p99 target response time above ${responseTime.toHumanString()} for 3 minutes (rolls the deployment back)`,
    metric: props.loadBalancer.metrics.targetResponseTime({ period: minute, statistic: 'p99' }),
    threshold: responseTime.toMilliseconds() / 1000,
    evaluationPeriods: ALARM_EVALUATION_PERIODS.targetResponseTime,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  }));
  return alarms;
}
