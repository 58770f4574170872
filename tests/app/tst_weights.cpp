// SPDX-License-Identifier: Apache-2.0
// Real weights in the application (offscreen, no network): the Weights field lists a fetched file of a fake cache
// folder and a run uses it by default; the Live page says on the picture that a seeded run's boxes are not real
// objects and says nothing for trained weights; the fetcher reports a closed 127.0.0.1 port without blocking the GUI
// thread; the "Get real weights" dialog fetches from a Python http.server on 127.0.0.1 and reports a 404.
#include "edgescope/engine/weights_cache.h"
#include "es_config.h"
#include "experiment_panel.h"
#include "lab_controller.h"
#include "live_page.h"
#include "main_window.h"
#include "session_document.h"
#include "weights_dialog.h"
#include "weights_fetcher.h"

#include <QElapsedTimer>
#include <QMenuBar>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace es::app;

namespace {

/// A 127.0.0.1 port nothing listens on: bound to port 0, read back, closed.
int closedPort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0)
            ::close(fd);
        return -1;
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

/// Writes `bytes` bytes of a repeating pattern to `path`.
bool writeFile(const QString& path, qint64 bytes)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    QByteArray block(4096, '\0');
    for (int i = 0; i < block.size(); ++i)
        block[i] = char(i * 7 + 3);
    for (qint64 written = 0; written < bytes; written += block.size())
        file.write(block.left(int(std::min<qint64>(block.size(), bytes - written))));
    return true;
}

/// Orange (the banner) in a row of an image: red well above green and blue.
double orangeShare(const QImage& image, int y, int left, int right)
{
    int orange = 0;
    for (int x = left; x < right; ++x) {
        const QColor c = image.pixelColor(x, y);
        orange += c.red() > c.green() + 60 && c.red() > c.blue() + 100;
    }
    return double(orange) / std::max(1, right - left);
}

LiveSnapshot greyFrame(bool seeded)
{
    LiveSnapshot snapshot;
    snapshot.frame = QImage(64, 48, QImage::Format_RGB888);
    snapshot.frame.fill(Qt::darkGray);
    snapshot.detections.push_back({ 0.5f, 0.5f, 0.8f, 0.9f, 1, 0.9f });
    snapshot.stepId = "s0-baseline";
    snapshot.fps = 3.0;
    snapshot.seededWeights = seeded;
    return snapshot;
}

} // namespace

class TestWeights : public QObject
{
    Q_OBJECT
private:
    QTemporaryDir m_folder;
    QString m_cachedSsd;
    std::unique_ptr<MainWindow> m_window;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        qputenv("XDG_CACHE_HOME", QFile::encodeName(m_folder.path() + "/cache"));
        const QString cache = QString::fromStdString(es::engine::weightsCacheDir());
        QCOMPARE(cache, m_folder.path() + "/cache/edgescope/weights");
        QVERIFY(QDir().mkpath(cache));
        const es::engine::WeightsSource* ssd = es::engine::findWeightsSource("ssd300");
        QVERIFY(ssd);
        // A file of the source's name (and its published size, where one is published): what a fetch leaves.
        m_cachedSsd = cache + "/" + QString::fromStdString(ssd->fileName);
        QVERIFY(writeFile(m_cachedSsd, ssd->bytes > 0 ? ssd->bytes : 4096));
        m_window = std::make_unique<MainWindow>();
        m_window->setQuiet(true);
        m_window->resize(1400, 900);
        m_window->show();
    }

    void weightsFieldListsTheCachedFile()
    {
        ExperimentPanel* panel = m_window->experiment();
        QCOMPARE(panel->weightsChoices(), QStringList({ "seeded", "ssd300" }));
        panel->setWeights(QString());
        QCOMPARE(panel->options().weightsPath, std::string());
        // Empty: the fetched SSD300 file; a name: its file; "seeded": none; a path: itself.
        for (const char* value : { "", "ssd300" }) {
            auto weights = resolveLabWeights(value);
            QVERIFY2(weights.isOk(), weights.status().message().c_str());
            QCOMPARE(QString::fromStdString(weights.value().path), m_cachedSsd);
            QVERIFY2(weights.value().description.contains(m_cachedSsd), qPrintable(weights.value().description));
        }
        auto seeded = resolveLabWeights("seeded");
        QVERIFY(seeded.isOk());
        QVERIFY(seeded.value().path.empty());
        auto path = resolveLabWeights(m_cachedSsd.toStdString());
        QVERIFY(path.isOk());
        QCOMPARE(QString::fromStdString(path.value().path), m_cachedSsd);
        auto missing = resolveLabWeights(m_folder.path().toStdString() + "/no-such.pt");
        QVERIFY(!missing.isOk());
        const QString message = weightsFailureMessage(missing.status());
        QVERIFY2(message.contains("no-such.pt") && message.contains("the Weights field of the Experiment panel"),
            qPrintable(message));
        // A known name not fetched: the message says how to fetch it, here and by hand.
        auto notFetched = resolveLabWeights("yolov3-tiny");
        QVERIFY(!notFetched.isOk());
        QVERIFY2(QString::fromStdString(notFetched.status().message()).contains("weights fetch yolov3-tiny"),
            notFetched.status().message().c_str());

        // Without the file the list has only "seeded" and the default is seeded, said so.
        QVERIFY(QFile::rename(m_cachedSsd, m_cachedSsd + ".away"));
        panel->refreshWeights();
        QCOMPARE(panel->weightsChoices(), QStringList({ "seeded" }));
        auto fallback = resolveLabWeights("");
        QVERIFY(fallback.isOk() && fallback.value().path.empty());
        QVERIFY2(fallback.value().description.startsWith("seeded"), qPrintable(fallback.value().description));
        QVERIFY(QFile::rename(m_cachedSsd + ".away", m_cachedSsd));
        panel->setWeights("typed.pt");
        panel->refreshWeights();
        QCOMPARE(panel->weightsChoices(), QStringList({ "seeded", "ssd300" }));
        QCOMPARE(panel->weightsText(), QStringLiteral("typed.pt")); // what is typed stays
        panel->setWeights(QString());
    }

    void aRunWithAnEmptyFieldUsesTheFetchedFile()
    {
        // The fake file is no checkpoint: the run refuses it, naming it, which shows it was the file used.
        m_window->document()->startNew(m_folder.path() + "/fetched.sqlite");
        ExperimentPanel* panel = m_window->experiment();
        panel->setSynthetic(160, 120);
        panel->setFrames(1, 0);
        panel->setSteps({ 0 });
        panel->setWeights(QString());
        QSignalSpy finished(m_window.get(), &MainWindow::labFinished);
        m_window->runLab();
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY2(m_window->lastError().contains(m_cachedSsd), qPrintable(m_window->lastError()));
    }

    void liveBannerForASeededRunOnly()
    {
        // A real seeded run: its live frames carry the seeded flag and the picture says so.
        m_window->document()->startNew(m_folder.path() + "/seeded.sqlite");
        m_window->experiment()->setWeights("seeded");
        QSignalSpy finished(m_window.get(), &MainWindow::labFinished);
        m_window->runLab();
        QVERIFY(finished.wait(300000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(m_window->lastError()));
        VideoWidget* video = m_window->livePage()->videoWidget();
        QVERIFY(m_window->livePage()->updatesShown() >= 1);
        QVERIFY2(video->bannerText().contains("not real objects"), qPrintable(video->bannerText()));
        QVERIFY(video->bannerText().contains("Get Real Weights"));

        // Drawn on the picture: an orange band across its top, over the grey frame; none for trained weights.
        m_window->showPage(MainWindow::LivePageIndex);
        for (const bool seeded : { true, false }) {
            m_window->livePage()->showUpdate(greyFrame(seeded));
            QCOMPARE(video->bannerText().isEmpty(), !seeded);
            const QImage picture = video->grab().toImage();
            const QRect target = video->pictureRect();
            QVERIFY(target.width() > 100 && target.height() > 100);
            const double top = orangeShare(picture, target.top() + 3, target.left(), target.right());
            const double middle = orangeShare(picture, target.center().y(), target.left(), target.center().x());
            QVERIFY2(seeded ? top > 0.9 : top < 0.05, qPrintable(QString::number(top)));
            QVERIFY2(middle < 0.05, qPrintable(QString::number(middle))); // the frame itself stays visible
        }
        m_window->experiment()->setWeights(QString());
    }

    void fetcherReportsAClosedPortWithoutBlocking()
    {
        const int port = closedPort();
        QVERIFY(port > 0);
        const QString url = QStringLiteral("http://127.0.0.1:%1/resnet50-0676ba61.pth").arg(port);
        WeightsFetcher fetcher;
        QSignalSpy finished(&fetcher, &WeightsFetcher::finished);
        int ticks = 0;
        QTimer heartbeat;
        connect(&heartbeat, &QTimer::timeout, [&ticks] { ++ticks; });
        heartbeat.start(10);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(fetcher.start("resnet50", url));
        QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(fetcher.isRunning());
        QVERIFY(!fetcher.start("resnet50", url)); // one fetch at a time
        QVERIFY(finished.wait(60000));
        QVERIFY(!fetcher.isRunning());
        QCOMPARE(finished.first().at(0).toBool(), false);
        QCOMPARE(finished.first().at(1).toBool(), false);
        const QString message = finished.first().at(2).toString();
        QVERIFY2(message.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(message));
        QVERIFY2(message.contains("copy its cache folder") && message.contains("docs/weights.md"), qPrintable(message));
        QVERIFY(finished.first().at(3).toString().isEmpty());
        QVERIFY(!QFile::exists(QString::fromStdString(es::engine::weightsCacheDir()) + "/resnet50-0676ba61.pth"));
        heartbeat.stop();
        // The event loop kept turning while the worker thread tried the port.
        QVERIFY2(ticks >= 1 || clock.elapsed() < 20, qPrintable(QString::number(ticks)));
    }

    void dialogFetchesFromALocalServer()
    {
#if !ES_HAS_CURL
        QSKIP("this build has no libcurl: nothing is downloaded (the closed-port test checks the message)");
#endif
        if (!QFile::exists("/usr/bin/python3"))
            QSKIP("no /usr/bin/python3 for the local http.server");
        QTemporaryDir served;
        const qint64 bytes = 3 * 1024 * 1024 + 17;
        QVERIFY(writeFile(served.path() + "/deeplab.pth", bytes));
        QProcess server;
        server.setProcessChannelMode(QProcess::MergedChannels);
        server.start("/usr/bin/python3",
            { "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", served.path() });
        QVERIFY(server.waitForStarted(10000));
        QString banner;
        static const QRegularExpression portPattern(QStringLiteral("port (\\d+)"));
        QElapsedTimer clock;
        clock.start();
        while (!portPattern.match(banner).hasMatch() && clock.elapsed() < 20000) {
            server.waitForReadyRead(500);
            banner += QString::fromLocal8Bit(server.readAll());
        }
        const QString port = portPattern.match(banner).captured(1);
        QVERIFY2(!port.isEmpty(), qPrintable(banner));

        m_window->showWeightsDialog();
        WeightsDialog* dialog = m_window->weightsDialog();
        QVERIFY(dialog && dialog->isVisible());
        QCOMPARE(dialog->sourcesTable()->rowCount(), int(es::engine::weightsSources().size()));
        QCOMPARE(dialog->selectedSource(), QStringLiteral("ssd300"));
        QVERIFY(dialog->selectSource("deeplabv3-mobilenetv2"));
        dialog->setUrlOverride(QStringLiteral("http://127.0.0.1:%1/deeplab.pth").arg(port));
        QSignalSpy fetched(dialog, &WeightsDialog::fetched);
        QSignalSpy progress(dialog->fetcher(), &WeightsFetcher::progress);
        QVERIFY(dialog->startFetch());
        QVERIFY(!dialog->startFetch());
        QVERIFY2(fetched.wait(60000), qPrintable(dialog->lastError()));
        const QString path = fetched.first().at(1).toString();
        QCOMPARE(QFileInfo(path).size(), bytes);
        QCOMPARE(path, QString::fromStdString(*es::engine::cachedWeights("deeplabv3-mobilenetv2")));
        QVERIFY(progress.size() >= 1);
        for (const QList<QVariant>& update : progress)
            QVERIFY(update.at(1).toLongLong() == 0
                || (update.at(1).toLongLong() == bytes && update.at(0).toLongLong() <= bytes));
        QCOMPARE(dialog->progressBar()->value(), dialog->progressBar()->maximum());
        const QTableWidget* table = dialog->sourcesTable();
        for (int row = 0; row < table->rowCount(); ++row)
            if (table->item(row, 0)->text() == "deeplabv3-mobilenetv2")
                QCOMPARE(table->item(row, 2)->text(), QStringLiteral("yes"));

        // A 404: the failure, with the address, reaches the window (a dialog there, the log here).
        QVERIFY(dialog->selectSource("pose-resnet50"));
        const QString missing = QStringLiteral("http://127.0.0.1:%1/moved.pth.tar").arg(port);
        dialog->setUrlOverride(missing);
        QSignalSpy failed(dialog, &WeightsDialog::failed);
        QVERIFY(dialog->startFetch());
        QVERIFY(failed.wait(60000));
        QVERIFY2(dialog->lastError().contains(missing), qPrintable(dialog->lastError()));
        QVERIFY2(m_window->lastError().contains(missing), qPrintable(m_window->lastError()));
        server.kill();
        server.waitForFinished(5000);
        dialog->close();
    }

    void menuHasTheAction()
    {
        QAction* action = m_window->findChild<QAction*>("GetRealWeightsAction");
        QVERIFY(action);
        QVERIFY(action->text().contains("Weights"));
        QVERIFY(m_window->experiment()->getWeightsButton()->isVisible());
    }

    void cleanupTestCase()
    {
        m_window.reset();
    }
};

QTEST_MAIN(TestWeights)
#include "tst_weights.moc"
