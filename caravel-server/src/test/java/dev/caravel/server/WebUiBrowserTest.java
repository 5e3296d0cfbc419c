package dev.caravel.server;

import dev.caravel.server.chats.Conversation;
import dev.caravel.server.chats.ConversationStore;
import dev.caravel.server.chats.Message;
import dev.caravel.server.models.ModelRegistry;
import dev.caravel.server.models.ServedModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat page in real headless Chromium against a real server serving stories260K: sending, streaming, stop,
 * reload, rename, delete, IME composition, Markdown safety, the phone layout. Screenshots go to
 * target/ui-artifacts/. Runs where the system Chromium and chromedriver are installed (bin/setup.sh).
 */
@EnabledIf("chromiumInstalled")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebUiBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path ARTIFACTS = Path.of("target/ui-artifacts");

    static Path dataDir;
    static Path profile;
    static ConversationStore store;
    static CaravelServer server;
    static ServedModel model;
    static ChromeDriver driver;
    static FluentWait<WebDriver> wait;

    static boolean chromiumInstalled() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("caravel-ui-data");
        profile = Files.createTempDirectory("caravel-ui-chromium");
        Files.createDirectories(ARTIFACTS);
        store = ConversationStore.open(dataDir);
        ModelRegistry models = new ModelRegistry();
        model = ServedModel.open("stories260K", TestServer.STORIES, 2, 0, 8, 1);
        models.add(model);
        server = CaravelServer.start(models, new CaravelServer.Options("127.0.0.1", 0, null, CaravelServer.DEFAULT_MAX_BODY), store);

        // A local chromedriver and browser: Selenium Manager never looks for (or downloads) anything.
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toString());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--window-size=1280,860", "--lang=en-US");
        driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build(), options);
        // The list and messages are re-rendered as data arrives: an element found a moment ago may be gone; look again.
        wait = new WebDriverWait(driver, Duration.ofSeconds(30)).ignoring(StaleElementReferenceException.class);
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    static void load(String hash) {
        driver.get("about:blank"); // a new document, even when only the #fragment differs
        driver.get(server.uri() + "/" + hash);
        wait.until(d -> "true".equals(js("return document.body.dataset.ready")));
    }

    static List<WebElement> messages() {
        return driver.findElements(By.cssSelector("#messages .msg"));
    }

    static String lastAnswerText() {
        List<WebElement> answers = driver.findElements(By.cssSelector("#messages .msg-assistant .msg-body"));
        return answers.isEmpty() ? "" : (String) js("return arguments[0].textContent", answers.getLast());
    }

    static boolean streaming() {
        return driver.findElement(By.id("stop")).isDisplayed();
    }

    static void setOption(String id, String value) {
        // Select and overwrite (clear() would fire a change with an empty, refused value); TAB: the change event stores it.
        driver.findElement(By.id(id)).sendKeys(Keys.chord(Keys.CONTROL, "a"), value, Keys.TAB);
    }

    static void screenshot(String name) throws Exception {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), ARTIFACTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    static Conversation onlyChatTitled(String title) {
        List<Conversation> found = store.list().stream().filter(c -> c.title().equals(title)).toList();
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    /** Slows the browser's downloads so a tiny, fast model's answer streams in over seconds, as a big one would. */
    static void slowNetwork(boolean on) {
        ChromiumNetworkConditions c = new ChromiumNetworkConditions();
        if (on) {
            c.setLatency(Duration.ofMillis(5));
            c.setDownloadThroughput(3000);
            c.setUploadThroughput(1_000_000);
            driver.setNetworkConditions(c);
        } else {
            driver.deleteNetworkConditions();
        }
    }

    @Test
    @Order(1)
    void sendStreamStopReload() throws Exception {
        load("");
        setOption("max-tokens", "1500");
        setOption("temperature", "1");
        assertThat(js("return JSON.parse(localStorage.getItem('caravel.settings')).maxTokens")).isEqualTo(1500L);
        slowNetwork(true);
        WebElement input = driver.findElement(By.id("input"));
        input.sendKeys("Once upon a time", Keys.ENTER);
        wait.until(d -> lastAnswerText().length() > 0);
        assertThat(streaming()).isTrue();
        // The answer grows while it streams.
        int first = lastAnswerText().length();
        Thread.sleep(1500);
        int second = lastAnswerText().length();
        assertThat(second).isGreaterThan(first);
        screenshot("desktop-streaming.png");

        driver.findElement(By.id("stop")).click();
        wait.until(d -> !streaming());
        slowNetwork(false);
        String stopped = lastAnswerText();
        Thread.sleep(800);
        assertThat(lastAnswerText()).isEqualTo(stopped);
        assertThat(stopped).isNotEmpty();
        assertThat(driver.findElement(By.cssSelector(".msg-assistant .msg-stats")).getText()).contains("stopped");
        // The server ended the generation when the page dropped the connection.
        assertThat(TestServer.waitIdle(model, 10_000)).isZero();

        // The partial answer was saved with the question.
        Conversation chat = onlyChatTitled("Once upon a time");
        wait.until(d -> store.messages(chat.id()).size() == 2);
        List<Message> saved = store.messages(chat.id());
        assertThat(saved.get(0).content()).isEqualTo("Once upon a time");
        assertThat(saved.get(1).role()).isEqualTo("assistant");
        assertThat(saved.get(1).model()).isEqualTo("stories260K");
        assertThat(saved.get(1).content()).isNotEmpty();

        // A reload shows the conversation again, in the list and on the page.
        driver.navigate().refresh();
        wait.until(d -> "true".equals(js("return document.body.dataset.ready")));
        assertThat(driver.findElement(By.cssSelector(".chat-item.active .chat-open")).getText()).isEqualTo("Once upon a time");
        assertThat(messages()).hasSize(2);
        assertThat(lastAnswerText()).isEqualTo(stopped);
        // And from a fresh start (no address), clicking it in the list.
        load("");
        assertThat(messages()).isEmpty();
        driver.findElement(By.cssSelector(".chat-item .chat-open")).click();
        wait.until(d -> messages().size() == 2);
        assertThat(lastAnswerText()).isEqualTo(stopped);
    }

    @Test
    @Order(2)
    void fullAnswerShowsSpeedAndRegenerates() throws Exception {
        load("");
        setOption("max-tokens", "40");
        driver.findElement(By.id("input")).sendKeys("The little dog", Keys.ENTER);
        wait.until(d -> messages().size() == 2 && !streaming());
        WebElement stats = driver.findElement(By.cssSelector(".msg-assistant .msg-stats"));
        assertThat(stats.getText()).contains("stories260K").containsPattern("\\d+(\\.\\d)? tokens/s");
        Conversation chat = onlyChatTitled("The little dog");
        wait.until(d -> store.messages(chat.id()).size() == 2);
        assertThat(store.messages(chat.id()).get(1).tokensPerSecond()).isPositive();

        // Regenerate replaces the last answer, here and in the store.
        long firstSave = store.get(chat.id()).orElseThrow().updated();
        driver.findElement(By.cssSelector(".msg-assistant .msg-regenerate")).click();
        wait.until(d -> !streaming());
        assertThat(messages()).hasSize(2);
        wait.until(d -> store.get(chat.id()).orElseThrow().updated() > firstSave);
        List<Message> after = store.messages(chat.id());
        assertThat(after).extracting(Message::role).containsExactly("user", "assistant");
        assertThat(after.get(1).content().replaceAll("\\s", "")).isEqualTo(lastAnswerText().replaceAll("\\s", ""));
    }

    @Test
    @Order(3)
    void imeCompositionDoesNotSend() throws Exception {
        load("");
        WebElement input = driver.findElement(By.id("input"));
        input.click();
        js("arguments[0].value = '你好'; arguments[0].dispatchEvent(new Event('input'));", input);
        js("""
                const t = arguments[0];
                t.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true, data: ''}));
                t.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 229, which: 229,
                    isComposing: true, bubbles: true, cancelable: true}));
                // Some browsers report a plain Enter while the candidate window is open: the flag must still hold.
                t.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', keyCode: 13, bubbles: true,
                    cancelable: true}));""", input);
        Thread.sleep(300);
        assertThat(messages()).isEmpty();
        assertThat(input.getAttribute("value")).isEqualTo("你好");
        // Shift+Enter is a new line, not a send.
        input.sendKeys(Keys.END);
        js("arguments[0].dispatchEvent(new CompositionEvent('compositionend', {bubbles: true, data: '你好'}));", input);
        Thread.sleep(50);
        input.sendKeys(Keys.chord(Keys.SHIFT, Keys.ENTER));
        input.sendKeys("讲个故事");
        assertThat(messages()).isEmpty();
        setOption("max-tokens", "20");
        input.sendKeys(Keys.ENTER);
        wait.until(d -> messages().size() == 2 && !streaming());
        assertThat(driver.findElement(By.cssSelector(".msg-user .msg-body")).getText()).isEqualTo("你好\n讲个故事");
        Conversation chat = onlyChatTitled("你好");
        wait.until(d -> store.messages(chat.id()).size() == 2);
        assertThat(store.messages(chat.id()).get(0).content()).isEqualTo("你好\n讲个故事");
    }

    @Test
    @Order(4)
    void markdownIsRenderedAndSafe() throws Exception {
        String answer = """
                ## A heading

                Some **bold**, *italic*, `inline code` and a [link](https://example.org/a?b=1&c=2).

                - one
                - two
                  1. nested

                ```java
                class Hello { public static void main(String[] args) { System.out.println("a very long line that has to scroll sideways in its box, not wrap"); } }
                ```

                | model | tokens/s |
                |:------|---------:|
                | stories260K | 900 |

                <img src=x onerror="window.pwned=1"> <script>window.pwned=2</script>
                [bad](javascript:window.pwned=3) ![i](x) "quotes" & 'apostrophes'
                """;
        Conversation c = store.create("Markdown", "stories260K", "", List.of(new Message("user", "Show me Markdown", null, null, 0),
                new Message("assistant", answer, "stories260K", 912.4, 0)));
        load("#/c/" + c.id());
        WebElement body = driver.findElement(By.cssSelector(".msg-assistant .msg-body"));
        assertThat(body.findElement(By.tagName("h2")).getText()).isEqualTo("A heading");
        assertThat(body.findElement(By.tagName("strong")).getText()).isEqualTo("bold");
        assertThat(body.findElement(By.tagName("em")).getText()).isEqualTo("italic");
        assertThat(body.findElements(By.cssSelector("ul > li"))).hasSize(2);
        assertThat(body.findElement(By.cssSelector("ul li ol li")).getText()).isEqualTo("nested");
        assertThat(body.findElement(By.cssSelector(".code-block .code-lang")).getText()).isEqualTo("java");
        assertThat(body.findElement(By.cssSelector(".code-block pre code")).getText()).startsWith("class Hello");
        assertThat(body.findElement(By.cssSelector("pre")).getCssValue("overflow-x")).isEqualTo("auto");
        assertThat(body.findElement(By.cssSelector("td.align-right")).getText()).isEqualTo("900");
        List<WebElement> links = body.findElements(By.tagName("a"));
        assertThat(links).hasSize(1);
        assertThat(links.get(0).getAttribute("href")).isEqualTo("https://example.org/a?b=1&c=2");
        // Escaped, never live: no element came from the answer's HTML, no script ran.
        assertThat(body.findElements(By.cssSelector("img, script"))).isEmpty();
        assertThat(body.getText()).contains("<img src=x onerror=\"window.pwned=1\">").contains("<script>");
        assertThat(js("return window.pwned === undefined")).isEqualTo(true);
        assertThat(driver.findElement(By.cssSelector(".msg-assistant .msg-stats")).getText()).contains("912.4 tokens/s");
        screenshot("desktop.png");
    }

    @Test
    @Order(5)
    void phoneLayoutRenameAndDelete() throws Exception {
        Conversation c = onlyChatTitled("Once upon a time");
        driver.manage().window().setSize(new Dimension(390, 844));
        load("#/c/" + c.id());
        WebElement sidebar = driver.findElement(By.id("sidebar"));
        wait.until(d -> ((Number) js("return arguments[0].getBoundingClientRect().right", sidebar)).doubleValue() <= 0);
        assertThat(((Number) js("return document.documentElement.scrollWidth")).intValue()).isLessThanOrEqualTo(390);
        screenshot("phone.png");
        driver.findElement(By.id("open-drawer")).click();
        wait.until(d -> ((Number) js("return arguments[0].getBoundingClientRect().left", sidebar)).doubleValue() >= 0);
        Thread.sleep(300); // the slide-in transition
        screenshot("phone-drawer.png");

        // Rename the open chat from its row.
        driver.findElement(By.cssSelector(".chat-item.active .chat-rename")).click();
        WebElement title = driver.findElement(By.id("rename-text"));
        wait.until(d -> title.isDisplayed());
        title.clear();
        title.sendKeys("森林里的故事 (renamed)");
        driver.findElement(By.id("rename-save")).click();
        wait.until(d -> store.get(c.id()).orElseThrow().title().equals("森林里的故事 (renamed)"));
        wait.until(d -> d.findElement(By.cssSelector(".chat-item.active .chat-open")).getText().equals("森林里的故事 (renamed)"));
        assertThat(driver.findElement(By.id("chat-title")).getText()).isEqualTo("森林里的故事 (renamed)");

        // Delete it (after confirming).
        int before = store.list().size();
        driver.findElement(By.cssSelector(".chat-item.active .chat-delete")).click();
        WebElement confirm = driver.findElement(By.id("delete-confirm"));
        wait.until(d -> confirm.isDisplayed());
        confirm.click();
        wait.until(d -> store.get(c.id()).isEmpty());
        wait.until(d -> d.findElements(By.cssSelector(".chat-item")).size() == before - 1);
        assertThat(driver.findElements(By.cssSelector(".chat-open"))).extracting(WebElement::getText)
                .doesNotContain("森林里的故事 (renamed)");
        assertThat(driver.findElement(By.id("chat-title")).getText()).isEqualTo("New chat");
        driver.manage().window().setSize(new Dimension(1280, 860));
    }
}
