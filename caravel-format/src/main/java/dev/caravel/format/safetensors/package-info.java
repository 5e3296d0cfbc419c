/**
 * The safetensors format (Hugging Face checkpoints): a memory-mapped, validated reader
 * ({@link dev.caravel.format.safetensors.SafetensorsFile}), sharded checkpoint directories
 * ({@link dev.caravel.format.safetensors.SafetensorsCheckpoint}) and a streaming writer
 * ({@link dev.caravel.format.safetensors.SafetensorsWriter}).
 */
package dev.caravel.format.safetensors;
