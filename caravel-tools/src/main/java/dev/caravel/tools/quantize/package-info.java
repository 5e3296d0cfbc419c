/**
 * Quantizing GGUF models as llama.cpp's {@code llama-quantize} does: the targets ({@link
 * dev.caravel.tools.quantize.QuantType}), the per-tensor type rules ({@link
 * dev.caravel.tools.quantize.TensorTypeRules}) and the streaming converter ({@link
 * dev.caravel.tools.quantize.ModelQuantizer}).
 */
package dev.caravel.tools.quantize;
