/** Threaded, streaming encoding of float rows into GGML tensor types, shared by the quantizer and the synthesizer. */
package dev.caravel.tools.io;
