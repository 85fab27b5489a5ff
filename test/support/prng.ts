// The tests' seeded randomness is the emulator's own, so a failing seed replays the same way in both.
export { seededRandom as prng } from "@branchline/aws-emulator/seeded-random";
