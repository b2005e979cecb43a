import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { validateInteger } from './validation';

/**
 * The VPC created when none is passed in: 2 AZs, public subnets for the load balancer, private
 * subnets with egress through `natGateways` NAT gateways for the tasks, and flow logs.
 */
export function createDefaultVpc(scope: Construct, id: string, natGateways: number): ec2.Vpc {
  validateInteger('natGateways', natGateways, 1, 2);
  const vpc = new ec2.Vpc(scope, id, {
    maxAzs: 2,
    natGateways,
    subnetConfiguration: [
      { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
    ],
  });
  vpc.addFlowLog('FlowLog');
  return vpc;
}
