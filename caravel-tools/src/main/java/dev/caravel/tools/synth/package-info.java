/**
 * Random-weight models of real shapes, for benchmarks and tests: presets ({@link
 * dev.caravel.tools.synth.SynthPreset}), a deterministic byte-level BPE vocabulary ({@link
 * dev.caravel.tools.synth.ByteLevelVocab}) and the streaming writer ({@link
 * dev.caravel.tools.synth.ModelSynthesizer}).
 */
package dev.caravel.tools.synth;
