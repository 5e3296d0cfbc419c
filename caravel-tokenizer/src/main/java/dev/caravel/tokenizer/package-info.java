/**
 * Tokenizers that reproduce llama.cpp's token ids exactly.
 *
 * <p>Entry points: {@link dev.caravel.tokenizer.Tokenizers#fromGguf} (GGUF {@code tokenizer.ggml.*}
 * metadata, as llama.cpp loads it) and {@link dev.caravel.tokenizer.Tokenizers#fromTokenizerJson}
 * (a Hugging Face {@code tokenizer.json}); both give a {@link dev.caravel.tokenizer.Tokenizer}.
 * Generated tokens are turned into text with a {@link dev.caravel.tokenizer.StreamingDecoder}.
 *
 * <p>How a text is tokenized (llama.cpp's {@code llama_vocab::tokenize}):
 * <ol>
 *   <li>special-token texts are cut out first, longest first ({@code SpecialTokenSplitter});</li>
 *   <li>each remaining piece is tokenized by the vocabulary's algorithm: SentencePiece-style BPE
 *       over scores with byte fallback ({@code SpmEncoder}), byte-level BPE over ranked merges after a
 *       regex pre-tokenizer ({@code RegexSplitter}, {@code CustomSplitters}, {@code BpeEncoder}), or
 *       WordPiece with BERT normalization ({@code WordPieceEncoder});</li>
 *   <li>BOS/EOS are added as the vocabulary says.</li>
 * </ol>
 * The vocabulary's flags and special tokens follow llama.cpp's loading rules ({@code VocabularyBuilder}).
 */
package dev.caravel.tokenizer;
