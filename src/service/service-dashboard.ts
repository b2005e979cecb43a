import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';

/**
 * What a {@link ServiceDashboard} charts: a Fargate service behind an Application Load Balancer
 * and the alarms that roll its deployments back. `BlueGreenFargateService` is one.
 */
export interface IDashboardedService {
  /** The load balancer in front of the service. */
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  /** The cluster the service runs in. */
  readonly cluster: ecs.ICluster;
  /** The service. */
  readonly service: ecs.FargateService;
  /** The alarms that roll a deployment back. */
  readonly alarms: cloudwatch.IAlarm[];
}

/** Properties of a {@link ServiceDashboard}. */
export interface ServiceDashboardProps {
  /** The environment to chart. */
  readonly service: IDashboardedService;
}

/**
 * A CloudWatch dashboard for one environment: requests, 5xx, latency p50/p99, CPU, memory,
 * running tasks, task sets (a blue/green deployment in progress shows 2) and the rollback alarms.
 */
export class ServiceDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    const env = props.service;
    const period = Duration.minutes(1);
    const lb = env.loadBalancer.metrics;
    const insights = (metricName: string, label: string) => new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName,
      dimensionsMap: { ClusterName: env.cluster.clusterName, ServiceName: env.service.serviceName },
      statistic: 'Average',
      period,
      label,
    });
    const width = 8;
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      defaultInterval: Duration.hours(3),
      widgets: [[
        new cloudwatch.GraphWidget({ title: 'Requests', width, left: [lb.requestCount({ period, statistic: 'Sum', label: 'requests' })] }),
        new cloudwatch.GraphWidget({
          title: '5xx',
          width,
          left: [
            lb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period, statistic: 'Sum', label: 'target 5xx' }),
            lb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period, statistic: 'Sum', label: 'load balancer 5xx' }),
          ],
        }),
        new cloudwatch.GraphWidget({
          title: 'Latency',
          width,
          left: [
            lb.targetResponseTime({ period, statistic: 'p50', label: 'p50' }),
            lb.targetResponseTime({ period, statistic: 'p99', label: 'p99' }),
          ],
        }),
      ], [
        new cloudwatch.GraphWidget({
          title: 'CPU and memory (%)',
          width,
          left: [
            env.service.metricCpuUtilization({ period, label: 'CPU' }),
            env.service.metricMemoryUtilization({ period, label: 'memory' }),
          ],
          leftYAxis: { min: 0, max: 100 },
        }),
        new cloudwatch.GraphWidget({
          title: 'Tasks',
          width,
          left: [insights('RunningTaskCount', 'running'), insights('DesiredTaskCount', 'desired')],
        }),
        new cloudwatch.GraphWidget({
          title: 'Deployments',
          width,
          left: [insights('DeploymentCount', 'deployments'), insights('TaskSetCount', 'task sets')],
        }),
      ], [
        new cloudwatch.AlarmStatusWidget({ title: 'Rollback alarms', width: 24, alarms: env.alarms }),
      ]],
    });
  }
}
