import { Command } from "commander";

const program = new Command();
program.argument("<out>").action((out) => console.log(`exporting to ${out}`));
program.parse();
