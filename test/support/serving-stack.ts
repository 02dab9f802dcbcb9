import { connectReplicas, controllerService } from "@distillspec/controller";
import { loadFixtureCorpus } from "@distillspec/datasets";
import { createClient, createServer, type GrpcServer } from "@distillspec/grpc";
import type { Checkpoint, ModelConfig } from "@distillspec/model";
import { ControllerService, DraftProposerService, TargetVerifierService } from "@distillspec/proto";
import {
  AcceptanceRuleRegistry,
  DEFAULT_ACCEPTANCE_PLUGINS,
  DraftProposer,
  loadAcceptancePlugins,
  TargetVerifier,
} from "@distillspec/serving";
import { type Tokenizer, trainTokenizer } from "@distillspec/tokenizer";
import { draftProposerService } from "../../services/draft-proposer/src/draft-proposer-service.js";
import { targetVerifierService } from "../../services/target-verifier/src/target-verifier-service.js";
import { noisyDraftOf, tinyTarget, tinyTargetConfig } from "./tiny-models.js";

// The three services over real gRPC on loopback, with tiny models and a tokenizer trained on the fixture.

export type ServingStack = Awaited<ReturnType<typeof startServingStack>>;

export async function startServingStack(
  options: {
    draftNoise?: number;
    verifierOptions?: Parameters<typeof TargetVerifier.create>[1];
    /** Real models instead of the tiny random pair. */
    models?: { tokenizer: Tokenizer; target: Checkpoint; draft: Checkpoint };
    /** A draft for temperature-0 requests, served by its own draft-proposer (given the target when absent). */
    greedyDraft?: (target: Checkpoint) => Checkpoint;
  } = {},
) {
  const tokenizer =
    options.models?.tokenizer ?? trainTokenizer(loadFixtureCorpus().train, { vocabSize: 300 });
  const config: ModelConfig = { ...tinyTargetConfig, vocabSize: tokenizer.vocabSize };
  const target: Checkpoint = options.models?.target ?? {
    ...tinyTarget(3, config),
    tokenizerIdentity: tokenizer.identity,
  };
  const draft = options.models?.draft ?? noisyDraftOf(target, options.draftNoise ?? 0.02);
  const verifier = await TargetVerifier.create(target, options.verifierOptions);
  const proposer = await DraftProposer.create(draft);
  const greedyProposer = options.greedyDraft && (await DraftProposer.create(options.greedyDraft(target)));
  const servers: GrpcServer[] = [];
  const listen = async (server: GrpcServer) => {
    servers.push(server);
    return `127.0.0.1:${await server.listen("127.0.0.1:0")}`;
  };
  const targetAddress = await listen(
    createServer({ name: "target-verifier", services: [targetVerifierService(verifier)] }),
  );
  const draftAddress = await listen(
    createServer({ name: "draft-proposer", services: [draftProposerService(proposer)] }),
  );
  const greedyDraftAddress =
    greedyProposer &&
    (await listen(
      createServer({ name: "draft-proposer", services: [draftProposerService(greedyProposer)] }),
    ));
  const replicas = await connectReplicas([targetAddress], [draftAddress], tokenizer, {
    greedyDraftAddresses: greedyDraftAddress ? [greedyDraftAddress] : [],
  });
  const rules = new AcceptanceRuleRegistry();
  await loadAcceptancePlugins(rules, DEFAULT_ACCEPTANCE_PLUGINS);
  const controllerAddress = await listen(
    createServer({ name: "controller", services: [controllerService({ tokenizer, rules, ...replicas })] }),
  );
  const controller = createClient(ControllerService, controllerAddress);
  const targetClient = createClient(TargetVerifierService, targetAddress);
  const draftClient = createClient(DraftProposerService, draftAddress);
  return {
    tokenizer,
    target,
    verifier,
    proposer,
    addresses: { target: targetAddress, draft: draftAddress, controller: controllerAddress },
    controller,
    targetClient,
    draftClient,
    async close() {
      controller.$close();
      targetClient.$close();
      draftClient.$close();
      const greedyClients = replicas.greedy?.drafts.clients ?? [];
      for (const c of [...replicas.targets.clients, ...replicas.drafts.clients, ...greedyClients]) c.$close();
      await Promise.all(servers.map((s) => s.shutdown(1000)));
      await verifier.close();
      await proposer.close();
      await greedyProposer?.close();
    },
  };
}
