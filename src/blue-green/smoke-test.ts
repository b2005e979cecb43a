import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SmokeTestFunction } from './smoke-test-function';
import { SMOKE_TEST_INTERVAL, smokeTestFunctionTimeoutSeconds, validateSmokeTestOptions } from './smoke-test-settings';
import { acknowledge } from '../private/nag';
import { validateDomainName, validatePort } from '../private/validation';

/** Properties of a {@link SmokeTest}. */
export interface SmokeTestProps {
  /** VPC the function runs in: the test listener admits only the VPC's CIDR by default. */
  readonly vpc: ec2.IVpc;
  /** Load balancer whose test listener is called. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** Protocol of the test listener. */
  readonly protocol: elbv2.ApplicationProtocol;
  /** Port of the test listener. */
  readonly port: number;
  /** Path to call, starting with '/'. */
  readonly path: string;
  /**
   * Host header (and TLS server name) of each request: the name the application and the
   * certificate answer to.
   * @default - the load balancer's DNS name
   */
  readonly hostName?: string;
  /**
   * Healthy status codes, e.g. '200-299' or '200,301'.
   * @default '200-299'
   */
  readonly expectedStatus?: string;
  /**
   * Number of requests; every one must be healthy.
   * @default 5
   */
  readonly attempts?: number;
  /**
   * Time limit of each request.
   * @default Duration.seconds(5)
   */
  readonly timeout?: Duration;
}

/**
 * The built-in `afterAllowTestTraffic` hook: a Lambda function (Node.js, no dependencies beyond
 * the runtime's AWS SDK) that calls the test listener `attempts` times and reports failure to the
 * deployment engine (CodeDeploy: `Failed`; ECS: returns `FAILED`) unless every answer is healthy
 * within the timeout, so a broken green version never receives production traffic.
 *
 * It runs in the VPC's private subnets and sends its requests to the load balancer's private IPs
 * (looked up by network interface description), because an internet-facing load balancer's DNS
 * name resolves to public IPs that traffic from inside the VPC only reaches through NAT, while the
 * test listener admits just the VPC CIDR.
 */
export class SmokeTest extends Construct {
  /** The hook function. */
  public readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    validateSmokeTestOptions('', props);
    validatePort('port', props.port);
    validateDomainName('hostName', props.hostName);
    const fullName = loadBalancerFullName(props.loadBalancer);
    const attempts = props.attempts ?? 5;
    const timeout = props.timeout ?? Duration.seconds(5);
    const interval = SMOKE_TEST_INTERVAL;
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.function = new SmokeTestFunction(this, 'Function', {
      description: 'Blue/green smoke test: calls the test listener before production traffic moves',
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      allowAllOutbound: true,
      // Every attempt may use its full timeout, plus the interval, the ENI lookup and the report
      // (validateSmokeTestOptions keeps it within Lambda's 900 s).
      timeout: Duration.seconds(smokeTestFunctionTimeoutSeconds(attempts, timeout)),
      memorySize: 256,
      logGroup,
      environment: {
        TEST_LISTENER_PROTOCOL: props.protocol,
        TEST_LISTENER_PORT: `${props.port}`,
        // Sent as Host header and TLS server name; the requests go to the load balancer's private IPs.
        LOAD_BALANCER_DNS_NAME: props.hostName ?? props.loadBalancer.loadBalancerDnsName,
        LOAD_BALANCER_ENI_DESCRIPTION: `ELB ${fullName}`,
        HEALTH_CHECK_PATH: props.path,
        EXPECTED_STATUS: props.expectedStatus ?? '200-299',
        ATTEMPTS: `${attempts}`,
        TIMEOUT_MS: `${timeout.toMilliseconds()}`,
        INTERVAL_MS: `${interval.toMilliseconds()}`,
      },
    });
    acknowledge(this.function.role!, 'AwsSolutions-IAM4',
      'AWSLambdaBasicExecutionRole and AWSLambdaVPCAccessExecutionRole are the AWS-maintained minimum for a function in a VPC (logs, ENI management).', false,
      ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole']);
    acknowledge(this.function, 'AwsSolutions-L1', 'Pinned to Node.js 22 so the bundled handler runs with every aws-cdk-lib release the library supports.');
  }
}

function loadBalancerFullName(lb: elbv2.IApplicationLoadBalancer): string {
  if (lb instanceof elbv2.ApplicationLoadBalancer) { return lb.loadBalancerFullName; }
  throw new Error(`loadBalancer (${lb.node.path}) must be an elbv2.ApplicationLoadBalancer defined in this app: `
    + 'the smoke test finds its private IPs by its full name, which an imported load balancer does not have');
}
