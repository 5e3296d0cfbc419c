package dev.caravel.tools.convert;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code tokenizer.model} (protobuf {@code ModelProto}) that llama.cpp
 * reads: the pieces with scores and types, the model type, and the normalizer's dummy-prefix flag.
 * Read and written with a minimal protobuf codec (field numbers from sentencepiece_model.proto:
 * ModelProto.pieces = 1, trainer_spec = 2, normalizer_spec = 3; SentencePiece.piece = 1,
 * score = 2, type = 3; TrainerSpec.model_type = 3, vocab_size = 4, byte_fallback = 35;
 * NormalizerSpec.name = 1, add_dummy_prefix = 3, remove_extra_whitespaces = 4).
 *
 * @param pieces         in id order
 * @param modelType      TrainerSpec.model_type: 1 unigram, 2 BPE
 * @param addDummyPrefix whether a space is prepended to the input
 */
public record SentencePieceModel(List<Piece> pieces, int modelType, boolean addDummyPrefix) {

    /** {@code type} uses SentencePiece's numbering, which GGUF's token types share (1 normal … 6 byte). */
    public record Piece(String piece, float score, int type) {
    }

    public static SentencePieceModel parse(byte[] bytes, String where) {
        try {
            Reader r = new Reader(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
            List<Piece> pieces = new ArrayList<>();
            int modelType = 1;
            boolean dummy = true;
            while (r.more()) {
                long tag = r.varint();
                int field = (int) (tag >>> 3);
                int wire = (int) (tag & 7);
                if (field == 1 && wire == 2) {
                    pieces.add(parsePiece(r.sub()));
                } else if (field == 2 && wire == 2) {
                    Reader t = r.sub();
                    while (t.more()) {
                        long tt = t.varint();
                        if ((tt >>> 3) == 3 && (tt & 7) == 0) {
                            modelType = (int) t.varint();
                        } else {
                            t.skip((int) (tt & 7));
                        }
                    }
                } else if (field == 3 && wire == 2) {
                    Reader n = r.sub();
                    while (n.more()) {
                        long nt = n.varint();
                        if ((nt >>> 3) == 3 && (nt & 7) == 0) {
                            dummy = n.varint() != 0;
                        } else {
                            n.skip((int) (nt & 7));
                        }
                    }
                } else {
                    r.skip(wire);
                }
            }
            if (pieces.isEmpty()) {
                throw new ConvertException(where + ": no pieces (not a SentencePiece model?)");
            }
            return new SentencePieceModel(List.copyOf(pieces), modelType, dummy);
        } catch (RuntimeException e) {
            if (e instanceof ConvertException) {
                throw e;
            }
            throw new ConvertException(where + ": not a valid SentencePiece model (" + e.getMessage() + ")", e);
        }
    }

    private static Piece parsePiece(Reader r) {
        String piece = "";
        float score = 0;
        int type = 1;
        while (r.more()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == 2) {
                piece = r.string();
            } else if (field == 2 && wire == 5) {
                score = r.buf.getFloat();
            } else if (field == 3 && wire == 0) {
                type = (int) r.varint();
            } else {
                r.skip(wire);
            }
        }
        return new Piece(piece, score, type);
    }

    /** Serializes the model: pieces, a BPE/unigram TrainerSpec with byte fallback, and an identity NormalizerSpec. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Piece p : pieces) {
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            byte[] text = p.piece().getBytes(StandardCharsets.UTF_8);
            tag(m, 1, 2);
            varint(m, text.length);
            m.writeBytes(text);
            tag(m, 2, 5);
            int bits = Float.floatToRawIntBits(p.score());
            for (int i = 0; i < 4; i++) {
                m.write(bits >>> (8 * i));
            }
            tag(m, 3, 0);
            varint(m, p.type());
            tag(out, 1, 2);
            varint(out, m.size());
            out.writeBytes(m.toByteArray());
        }
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        tag(trainer, 3, 0);
        varint(trainer, modelType);
        tag(trainer, 4, 0);
        varint(trainer, pieces.size());
        tag(trainer, 35, 0);
        varint(trainer, 1);
        tag(out, 2, 2);
        varint(out, trainer.size());
        out.writeBytes(trainer.toByteArray());
        ByteArrayOutputStream norm = new ByteArrayOutputStream();
        byte[] name = "identity".getBytes(StandardCharsets.UTF_8);
        tag(norm, 1, 2);
        varint(norm, name.length);
        norm.writeBytes(name);
        tag(norm, 3, 0);
        varint(norm, addDummyPrefix ? 1 : 0);
        tag(norm, 4, 0);
        varint(norm, 0);
        tag(out, 3, 2);
        varint(out, norm.size());
        out.writeBytes(norm.toByteArray());
        return out.toByteArray();
    }

    private static void tag(ByteArrayOutputStream out, int field, int wire) {
        varint(out, ((long) field << 3) | wire);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static final class Reader {
        final ByteBuffer buf;

        Reader(ByteBuffer buf) {
            this.buf = buf;
        }

        boolean more() {
            return buf.hasRemaining();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf.get();
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw new IllegalArgumentException("varint too long");
        }

        Reader sub() {
            int n = Math.toIntExact(varint());
            ByteBuffer s = buf.slice(buf.position(), n).order(ByteOrder.LITTLE_ENDIAN);
            buf.position(buf.position() + n);
            return new Reader(s);
        }

        String string() {
            Reader s = sub();
            byte[] b = new byte[s.buf.remaining()];
            s.buf.get(b);
            return new String(b, StandardCharsets.UTF_8);
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> buf.position(buf.position() + 8);
                case 2 -> sub();
                case 5 -> buf.position(buf.position() + 4);
                default -> throw new IllegalArgumentException("unsupported wire type " + wire);
            }
        }
    }
}
