/**
 * Properties whose change makes CloudFormation replace a resource, for types the emulator treats
 * generically, from the CloudFormation resource reference ("Update requires: Replacement"). Enough
 * for change sets to say `Replacement: True` where AWS would, for the stateful and access types a
 * preview calls out; a type not listed is replaced only when its name property changes.
 */
export const REPLACEMENT_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  "AWS::RDS::DBInstance": [
    "DBInstanceIdentifier",
    "DBName",
    "AvailabilityZone",
    "CharacterSetName",
    "DBClusterIdentifier",
    "DBSubnetGroupName",
    "KmsKeyId",
    "SourceDBInstanceIdentifier",
    "StorageEncrypted",
    "Timezone",
  ],
  "AWS::RDS::DBCluster": [
    "DBClusterIdentifier",
    "DatabaseName",
    "Engine",
    "EngineMode",
    "KmsKeyId",
    "MasterUsername",
    "StorageEncrypted",
    "SourceDBClusterIdentifier",
    "DBSubnetGroupName",
  ],
  "AWS::DynamoDB::Table": ["TableName", "KeySchema", "LocalSecondaryIndexes"],
  "AWS::EFS::FileSystem": ["Encrypted", "KmsKeyId", "PerformanceMode", "AvailabilityZoneName"],
  "AWS::ElastiCache::ReplicationGroup": [
    "ReplicationGroupId",
    "AtRestEncryptionEnabled",
    "KmsKeyId",
    "CacheSubnetGroupName",
    "Engine",
  ],
  "AWS::ElastiCache::CacheCluster": ["ClusterName", "Engine", "CacheSubnetGroupName", "Port"],
  "AWS::SQS::Queue": ["QueueName", "FifoQueue"],
  "AWS::Kinesis::Stream": ["Name"],
  "AWS::EC2::SecurityGroup": ["GroupName", "GroupDescription", "VpcId"],
  "AWS::EC2::Volume": ["AvailabilityZone", "Encrypted", "KmsKeyId", "SnapshotId"],
  "AWS::Lambda::Function": ["FunctionName", "PackageType"],
};
