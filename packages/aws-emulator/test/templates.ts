/** Small templates the emulator tests build stacks from. */

/** A V2 pipeline with a connection source and one CodeBuild action; its own role and artifact bucket. */
export function twoStagePipelineTemplate(
  pipelineName: string,
  options: { executionMode?: string; buildProject?: string } = {},
): string {
  return `
Resources:
  Artifacts:
    Type: AWS::S3::Bucket
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: { Service: codepipeline.amazonaws.com }
            Action: sts:AssumeRole
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Name: ${pipelineName}
      PipelineType: V2
      ExecutionMode: ${options.executionMode ?? "SUPERSEDED"}
      RoleArn: !GetAtt Role.Arn
      ArtifactStore:
        Type: S3
        Location: !Ref Artifacts
      Variables:
        - Name: Greeting
          DefaultValue: hello
      Stages:
        - Name: Source
          Actions:
            - Name: Checkout
              ActionTypeId: { Category: Source, Owner: AWS, Provider: CodeStarSourceConnection, Version: "1" }
              Configuration:
                ConnectionArn: arn:aws:codeconnections:us-east-1:123456789012:connection/abc
                FullRepositoryId: octo/shop
                BranchName: main
              OutputArtifacts: [{ Name: Src }]
        - Name: Build
          Actions:
            - Name: Compile
              ActionTypeId: { Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1" }
              Configuration:
                ProjectName: ${options.buildProject ?? "shop-build"}
              InputArtifacts: [{ Name: Src }]
              OutputArtifacts: [{ Name: Built }]
`;
}
