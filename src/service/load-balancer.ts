import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { BlueGreenFargateServiceProps } from './service-props';
import { ResolvedServiceSettings } from './settings';
import { admitsAnyAddress } from '../private/validation';

/** What the load balancer pair is built from (the service's props and resolved settings). */
export interface LoadBalancerPairProps {
  readonly vpc: ec2.IVpc;
  readonly environmentName: string;
  readonly props: BlueGreenFargateServiceProps;
  readonly settings: ResolvedServiceSettings;
}

/** The load balancer pair: production and test listeners in front of a blue and a green target group. */
export interface LoadBalancerPair {
  readonly securityGroup: ec2.SecurityGroup;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly protocol: elbv2.ApplicationProtocol;
  readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  readonly productionListener: elbv2.ApplicationListener;
  readonly testListener: elbv2.ApplicationListener;
  readonly url: string;
  readonly testUrl: string;
  readonly aliasRecord?: route53.ARecord;
  readonly productionCidrs: string[];
  readonly testCidrs: string[];
}

/**
 * Creates, in `scope` (the service, so the ids and logical IDs are the service's), the load
 * balancer with its security group, the blue and green target groups, the production listener
 * (with the HTTP to HTTPS redirect when a certificate is given), the test listener, the URLs and
 * the optional alias record.
 */
export function createLoadBalancerPair(scope: Construct, props: LoadBalancerPairProps): LoadBalancerPair {
  const p = props.props;
  const s = props.settings;
  const https = p.certificate !== undefined;
  const protocol = https ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP;
  const albSecurityGroup = new ec2.SecurityGroup(scope, 'LoadBalancerSecurityGroup', {
    vpc: props.vpc,
    description: `Load balancer of ${props.environmentName}`,
    allowAllOutbound: false,
  });
  const loadBalancer = new elbv2.ApplicationLoadBalancer(scope, 'LoadBalancer', {
    vpc: props.vpc,
    internetFacing: s.internetFacing,
    securityGroup: albSecurityGroup,
    dropInvalidHeaderFields: true,
    deletionProtection: p.loadBalancerDeletionProtection ?? s.production,
  });
  if (p.accessLogBucket) {
    loadBalancer.logAccessLogs(p.accessLogBucket, props.environmentName);
  }
  const productionCidrs = p.productionListenerAllowedCidrs ?? (s.internetFacing ? ['0.0.0.0/0'] : [props.vpc.vpcCidrBlock]);
  const productionPeers = productionCidrs.map(toPeer);
  // Environments may share a VPC: production's test listener (its unreleased green version)
  // admits no CIDR by default, only the smoke test and the hooks by security group (below).
  const testCidrs = p.testListenerAllowedCidrs ?? (s.production ? [] : [props.vpc.vpcCidrBlock]);
  const testPeers = testCidrs.map(toPeer);
  if (s.production && !https && s.internetFacing && admitsAnyAddress(productionCidrs)) {
    Annotations.of(scope).addWarningV2('cdk-ecs-cicd-pipeline:plainHttpProduction',
      `production environment '${props.environmentName}' serves plain HTTP to ${productionCidrs.join(', ')} on port ${s.productionListenerPort}: `
      + 'set certificate to serve HTTPS, or restrict productionListenerAllowedCidrs');
  }

  const targetGroupProps: elbv2.ApplicationTargetGroupProps = {
    vpc: props.vpc,
    port: s.containerPort,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    // Fast cutover: a task is healthy after 2 x 10 s, and a drained one leaves after 30 s
    // (the aws-cdk-lib default of 300 s makes every blue/green cutover wait 5 minutes).
    deregistrationDelay: Duration.seconds(30),
    healthCheck: {
      path: s.healthCheckPath,
      interval: Duration.seconds(10),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    },
  };
  const blueTargetGroup = new elbv2.ApplicationTargetGroup(scope, 'BlueTargetGroup', targetGroupProps);
  const greenTargetGroup = new elbv2.ApplicationTargetGroup(scope, 'GreenTargetGroup', targetGroupProps);

  const listenerSecurity = https
    ? { certificates: [elbv2.ListenerCertificate.fromCertificateManager(p.certificate!)], sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS }
    : {};
  const productionListener = loadBalancer.addListener('ProductionListener', {
    port: s.productionListenerPort,
    protocol,
    open: false,
    defaultTargetGroups: [blueTargetGroup],
    ...listenerSecurity,
  });
  productionPeers.forEach(peer => albSecurityGroup.addIngressRule(peer, ec2.Port.tcp(s.productionListenerPort), 'Production listener'));
  if (https && s.productionListenerPort !== 80) {
    const redirect = loadBalancer.addListener('HttpRedirectListener', {
      port: 80,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
      defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: `${s.productionListenerPort}`, permanent: true }),
    });
    // When a certificate is added to a live environment, the production listener moves from port
    // 80 to 443 in the same update that creates this listener on port 80. Without the dependency
    // CloudFormation may create it first, and ELB rejects a second listener on port 80
    // (DuplicateListener), failing the update.
    redirect.node.addDependency(productionListener);
    productionPeers.forEach(peer => albSecurityGroup.addIngressRule(peer, ec2.Port.tcp(80), 'HTTP to HTTPS redirect'));
  }
  const testListener = loadBalancer.addListener('TestListener', {
    port: s.testListenerPort,
    protocol,
    open: false,
    defaultTargetGroups: [greenTargetGroup],
    ...listenerSecurity,
  });
  testPeers.forEach(peer => albSecurityGroup.addIngressRule(peer, ec2.Port.tcp(s.testListenerPort), 'Test listener (blue/green)'));

  const scheme = https ? 'https' : 'http';
  const defaultPort = https ? 443 : 80;
  // With a certificate, only domainName matches it: the load balancer's own DNS name never does.
  const host = p.domainName ?? loadBalancer.loadBalancerDnsName;
  const url = `${scheme}://${host}${s.productionListenerPort === defaultPort ? '' : `:${s.productionListenerPort}`}`;
  const testUrl = `${scheme}://${host}:${s.testListenerPort}`;
  let aliasRecord: route53.ARecord | undefined;
  if (p.hostedZone) {
    aliasRecord = new route53.ARecord(scope, 'AliasRecord', {
      zone: p.hostedZone,
      recordName: p.domainName,
      target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(loadBalancer)),
      comment: `Production URL of ${props.environmentName}`,
    });
  }
  return {
    securityGroup: albSecurityGroup,
    loadBalancer,
    protocol,
    blueTargetGroup,
    greenTargetGroup,
    productionListener,
    testListener,
    url,
    testUrl,
    aliasRecord,
    productionCidrs,
    testCidrs,
  };
}

function toPeer(cidr: string): ec2.IPeer {
  return !Token.isUnresolved(cidr) && cidr.includes(':') ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
}
