# The branchline server as a container image: `docker build -t branchline .`, then
#   docker run --env-file .env -p 3000:3000 branchline
# The image's start command is `node dist/src/main.js` (the built server; no build at start-up).
# Settings come from the environment (--env-file, or the orchestrator's); AWS credentials from the
# task or instance role through the SDK's standard chain.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace packages' manifests are part of the install (npm links them into node_modules/@branchline).
COPY packages/cloudformation-template/package.json ./packages/cloudformation-template/
COPY packages/aws-emulator/package.json ./packages/aws-emulator/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY packages ./packages
COPY src ./src
COPY bench ./bench
COPY test/support ./test/support
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# node_modules/@branchline/* are links to these: each package's manifest and build.
COPY --from=build /app/packages/cloudformation-template/package.json ./packages/cloudformation-template/
COPY --from=build /app/packages/cloudformation-template/dist ./packages/cloudformation-template/dist
COPY --from=build /app/packages/aws-emulator/package.json ./packages/aws-emulator/
COPY --from=build /app/packages/aws-emulator/dist ./packages/aws-emulator/dist
COPY app.yml branchline.schema.json ./
COPY templates ./templates
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
