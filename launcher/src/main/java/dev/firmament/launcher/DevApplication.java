package dev.firmament.launcher;

import dev.firmament.server.FirmamentServer;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The dev process runs the production server's all-in-one configuration, unchanged; only the
 * services it connects to are embedded.
 */
@SpringBootConfiguration
@Import(FirmamentServer.AllInOne.class)
public class DevApplication {}
