/**
 * Pulling models from the Hugging Face Hub (or a mirror) into the cache layout huggingface_hub uses:
 * short names ({@link dev.caravel.tools.hub.ModelRegistry}, {@link dev.caravel.tools.hub.ModelRef}), the
 * HTTP API ({@link dev.caravel.tools.hub.HubClient}), resumable, retried and checksummed transfers
 * ({@code Download}), the cache ({@link dev.caravel.tools.hub.HubCache}) and the entry point commands use
 * ({@link dev.caravel.tools.hub.ModelHub}). Configuration comes from {@link dev.caravel.tools.hub.HubConfig}.
 */
package dev.caravel.tools.hub;
