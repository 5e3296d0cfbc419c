package dev.caravel.server.openai;

/**
 * A request that cannot be served, as the client should see it: an HTTP status and OpenAI's error object
 * ({@code {"error": {"message", "type", "param", "code"}}}). Never carries a stack trace to the client.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;

    public ApiException(int status, String type, String message, String param, String code) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** 400: a field is missing, has the wrong type or an invalid value. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", message, param, param == null ? null : "invalid_value");
    }

    public static ApiException notFound(String message, String code) {
        return new ApiException(404, "invalid_request_error", message, null, code);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
